/**
 * A failure the daemon meets before any member is reached is still a failure everyone can see: a stage reason in
 * the log, a metric, the report it writes, and /readyz. Here the kubeconfig is not valid YAML; no cluster is
 * needed to show it (the members never get a request), so this runs with the unit tests.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/daemon/config.ts';
import { runDaemon, type RunningDaemon } from '../../../src/daemon/run-daemon.ts';

const minimal = fileURLToPath(new URL('../../../fixtures/minimal', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** pino JSON lines, as the daemon writes them. */
function logSink(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString('utf8')), done()) });
  const logger: Logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function waitForOutcome(daemon: RunningDaemon): Promise<NonNullable<ReturnType<RunningDaemon['lastOutcome']>>> {
  const deadline = Date.now() + 20_000;
  while (!daemon.lastOutcome()) {
    if (Date.now() > deadline) throw new Error('no reconcile outcome within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return daemon.lastOutcome()!;
}

describe('the daemon with a kubeconfig it cannot read', () => {
  it('reports MembersUnavailable in the log, the metrics, the report and /readyz, and logs none of the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-daemon-failure-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const repo = path.join(dir, 'repo');
    await cp(minimal, repo, { recursive: true });
    const kubeconfig = path.join(dir, 'kubeconfig');
    const secret = 'token-that-must-never-be-logged-8f3a';
    await writeFile(kubeconfig, `apiVersion: v1\nusers:\n- name: a\n  user: {token: ${secret}\n  : : not yaml [\n`);
    const sink = logSink();
    const daemon = await runDaemon(configSchema.parse({ repo, kubeconfig, listen: '127.0.0.1:0', interval: '1h', driftInterval: '1h' }), { logger: sink.logger });
    cleanups.push(() => daemon.stop());

    const outcome = await waitForOutcome(daemon);
    expect(outcome).toMatchObject({ kind: 'failed', stage: 'MembersUnavailable' });
    const failures = sink.lines().filter((line) => line.stage === 'MembersUnavailable');
    expect(failures.length).toBeGreaterThan(0);
    expect(String(failures[0]?.message)).toContain('is not a valid kubeconfig');
    expect(await daemon.metrics.registry.getSingleMetricAsString('gitfed_reconcile_failures_total')).toMatch(/gitfed_reconcile_failures_total\{stage="MembersUnavailable"\} 1/);
    const report = await readFile(path.join(repo, 'status', 'README.md'), 'utf8');
    expect(report).toContain('MembersUnavailable');
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(503);
    const logged = sink.lines().map((line) => JSON.stringify(line));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.includes(secret))).toEqual([]);
  });
});
