import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { watchDir } from '../../../src/source/watch-dir.ts';

const logger = pino({ level: 'silent' });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function repoDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-watch-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, '.git'), { recursive: true });
  await mkdir(path.join(dir, 'status'), { recursive: true });
  await mkdir(path.join(dir, 'apps'), { recursive: true });
  await writeFile(path.join(dir, 'apps', 'web.yaml'), 'kind: A\n');
  return dir;
}

/** Starts watching `dir`, recording every call. */
async function watching(dir: string, debounceMs: number): Promise<string[][]> {
  const calls: string[][] = [];
  const close = await watchDir(dir, (changed) => void calls.push(changed), { debounceMs }, { logger });
  cleanup.push(close);
  return calls;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the watcher');
    await sleep(20);
  }
}

describe('watchDir', () => {
  it('calls back once for a burst of manifest writes, after the burst is quiet', async () => {
    const dir = await repoDir();
    const calls = await watching(dir, 250);
    const started = Date.now();
    await writeFile(path.join(dir, 'apps', 'web.yaml'), 'kind: B\n');
    await sleep(60);
    await writeFile(path.join(dir, 'apps', 'api.yml'), 'kind: C\n');
    await sleep(60);
    await mkdir(path.join(dir, 'apps', 'db'));
    await writeFile(path.join(dir, 'apps', 'db', 'db.yaml'), 'kind: D\n');
    await until(() => calls.length > 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250 + 120);
    await sleep(600);
    expect(calls).toEqual([['apps/api.yml', 'apps/db/', 'apps/db/db.yaml', 'apps/web.yaml']]);
  });

  it('ignores dot-folders, the report folder and files that are not manifests', async () => {
    const dir = await repoDir();
    const calls = await watching(dir, 100);
    await writeFile(path.join(dir, '.git', 'index.yaml'), 'x\n');
    await writeFile(path.join(dir, 'status', 'report.yaml'), 'report\n');
    await writeFile(path.join(dir, 'status', 'README.md'), '# report\n');
    await writeFile(path.join(dir, 'apps', 'notes.txt'), 'notes\n');
    await writeFile(path.join(dir, 'apps', 'web.yaml.swp'), 'swap\n');
    await sleep(700);
    expect(calls).toEqual([]);

    await writeFile(path.join(dir, 'apps', 'web.yaml'), 'kind: E\n');
    await until(() => calls.length === 1);
    expect(calls[0]).toEqual(['apps/web.yaml']);
  });

  it('stops calling back once closed', async () => {
    const dir = await repoDir();
    const calls: string[][] = [];
    const close = await watchDir(dir, (changed) => void calls.push(changed), { debounceMs: 100 }, { logger });
    await writeFile(path.join(dir, 'apps', 'web.yaml'), 'kind: F\n');
    await close();
    await sleep(400);
    expect(calls).toEqual([]);
  });
});
