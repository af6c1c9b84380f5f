/**
 * Polling with a deadline for the lab's readiness checks. A component that dies while we wait fails the wait at
 * once, and a timeout names the log to read, so a slow or broken start never ends in a silent hang.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GitfedError } from '../model/diagnostic.ts';
import { tailLog, type LabProcess } from './processes.ts';

export interface WaitOptions {
  /** What we wait for, as the end of "timed out waiting for …". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The processes this depends on: an exit ends the wait; the first one's log is named on a timeout. */
  processes?: LabProcess[];
  signal?: AbortSignal;
}

/** Calls `check` until it returns a value other than undefined; the last failure reason goes into the timeout error. */
export async function waitFor<T>(check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastReason = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const dead = options.processes?.find((p) => p.hasExited());
    if (dead) throw await exitedError(dead, options.what);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastReason = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const main = options.processes?.[0];
      const log = main ? `; see ${main.record.log}` : '';
      const tail = main ? await tailLog(main.record.log, 8, main.logStart) : '';
      throw new GitfedError(
        'InternalError',
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}` +
          `${lastReason ? ` (last: ${lastReason})` : ''}${log}${tail ? `\n--- last log lines ---\n${tail}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 250, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}

/** The error for a component that exited while starting, with the tail of its log. */
export async function exitedError(proc: LabProcess, what: string): Promise<GitfedError> {
  const status = await proc.exited;
  const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
  const tail = await tailLog(proc.record.log, 8, proc.logStart);
  return new GitfedError(
    'InternalError',
    `${proc.record.id} ${how} before ${what}; see ${proc.record.log}${tail ? `\n--- last log lines ---\n${tail}` : ''}`,
  );
}
