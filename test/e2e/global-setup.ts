/**
 * Starts the lab once per e2e run and hands it to tests via `project.provide('lab', …)` (read it with `useLab()`
 * from lab-context.ts). GITFED_E2E_LAB_DIR naming a running lab reuses it and never stops it; otherwise a 3-member
 * lab starts in a fresh temp dir and stops at teardown. A lab that cannot start fails the run with the reason —
 * in CI and locally; e2e tests are never skipped silently.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { labPaths, labStatus, startLab, stopLab } from '../../src/lab/index.ts';
import type { E2eLab } from './lab-context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const named = process.env.GITFED_E2E_LAB_DIR;
  if (named) {
    const status = await labStatus(named, { probe: true });
    if (status.state === 'running' && status.info && status.members.every((m) => m.ready)) {
      process.stderr.write(`e2e: reusing the lab in ${status.dir} (left running afterwards)\n`);
      project.provide('lab', { ...status.info, dir: status.dir, reused: true } satisfies E2eLab);
      return async () => {};
    }
    process.stderr.write(
      `e2e: GITFED_E2E_LAB_DIR=${named} is not a running lab (state ${status.state}); starting a fresh lab in a temp dir ` +
        `(start one there with \`npx gitfed lab up --dir ${named}\` to reuse it)\n`,
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-lab-'));
  const logger = pino({ level: process.env.GITFED_LOG_LEVEL ?? 'warn' }, process.stderr);
  try {
    const { info } = await startLab({ dir, members: 3 }, { env: process.env, logger, progress: process.stderr });
    project.provide('lab', { ...info, dir: labPaths(dir).dir, reused: false } satisfies E2eLab);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // startLab already stopped whatever it had started; logs (if any were written) stay for the post-mortem.
    const logs = labPaths(dir).logs;
    const hasLogs = (await readdir(logs).catch(() => [])).length > 0;
    if (!hasLogs) await rm(dir, { recursive: true, force: true });
    throw new Error(`e2e: the lab did not start, so the e2e tests cannot run${hasLogs ? ` (logs in ${logs})` : ''}:\n${reason}`, { cause: err });
  }
  return async () => {
    await stopLab(dir);
    if (!process.env.GITFED_E2E_KEEP_LAB_DIR) await rm(dir, { recursive: true, force: true });
  };
}
