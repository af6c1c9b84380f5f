import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDirSource } from '../../../src/source/dir-source.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function listed(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

describe('DirSource.writeReport', () => {
  it('writes only what changed and keeps the replaced folder to exactly the given pages', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-dir-source-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'status'), { recursive: true });
    await writeFile(path.join(dir, 'status', 'notes.txt'), 'a human file\n');
    const source = createDirSource(dir, { reportPath: 'status' });
    const replace = { replace: ['details'] };
    const files = (pages: string[]) => new Map([['report.yaml', 'r\n'], ['README.md', '# r\n'], ...pages.map((page): [string, string] => [`details/${page}`, `${page}\n`])]);

    expect(await source.writeReport(files(['a.md', 'a_2.md', 'b.md']), replace)).toBe(true);
    expect(await listed(path.join(dir, 'status'))).toEqual(['README.md', 'details/a.md', 'details/a_2.md', 'details/b.md', 'notes.txt', 'report.yaml']);
    expect(await source.writeReport(files(['a.md', 'a_2.md', 'b.md']), replace)).toBe(false);

    expect(await source.writeReport(files(['a.md']), replace)).toBe(true);
    expect(await listed(path.join(dir, 'status'))).toEqual(['README.md', 'details/a.md', 'notes.txt', 'report.yaml']);
    expect(await readFile(path.join(dir, 'status', 'details', 'a.md'), 'utf8')).toBe('a.md\n');
    expect(await source.writeReport(files([]), replace)).toBe(true);
    expect(await listed(path.join(dir, 'status'))).toEqual(['README.md', 'notes.txt', 'report.yaml']);
    expect(await source.writeReport(files([]), replace)).toBe(false);
  });
});
