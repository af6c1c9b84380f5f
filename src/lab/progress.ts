/**
 * Human progress for the lab's long steps (a build, a start): one line per step with the seconds elapsed, written
 * to a stream the caller passes in (stderr for the CLI), so a 40-second start is never a silent wait.
 */
import type { Writable } from 'node:stream';

export type Progress = (message: string) => void;

export function createProgress(stream: Writable | undefined, startedAt: number = performance.now()): Progress {
  if (!stream) return () => {};
  return (message) => {
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(5);
    stream.write(`[lab ${seconds}s] ${message}\n`);
  };
}
