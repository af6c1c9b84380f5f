/**
 * `gitfed lab down`: stops every process the lab recorded (kwok, schedulers, controller-managers and the Git
 * server first, then the kube-apiservers, then etcd), each by process group, so nothing is orphaned and the ports
 * are free again. Logs, PKI, Git repositories and lab.json stay for a later `up` or a post-mortem.
 */
import { existsSync } from 'node:fs';
import { acquireLabLock } from './lab-lock.ts';
import { labPaths } from './lab-paths.ts';
import { stopAllProcesses, type ProcessRecord } from './processes.ts';
import type { Progress } from './progress.ts';

export interface StopLabResult {
  stopped: ProcessRecord[];
  /** Those that ignored SIGTERM for the grace period. */
  killed: ProcessRecord[];
}

export async function stopLab(dir: string, deps: { progress?: Progress; graceMs?: number } = {}): Promise<StopLabResult> {
  if (!existsSync(labPaths(dir).dir)) return { stopped: [], killed: [] };
  const release = await acquireLabLock(dir);
  try {
    const result = await stopAllProcesses(dir, deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {});
    for (const record of result.killed) deps.progress?.(`${record.id} ignored SIGTERM; killed`);
    return result;
  } finally {
    await release();
  }
}
