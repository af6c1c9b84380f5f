/** What every command gets from main: where to write, how to log, how to say it failed. */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';

export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  logger: Logger;
  /** Commands say how their work ended through this; only main turns it into the process exit code. */
  fail(outcome: CommandOutcome): void;
}

/** `problems`: errors in the input or while working; `changes`: there are changes (plan --detailed-exitcode). */
export type CommandOutcome = 'problems' | 'changes';

/** 0 success, 1 errors found in the input or while working, 2 usage errors (or changes, with --detailed-exitcode). */
export type ExitCode = 0 | 1 | 2;
