/**
 * `gitfed …` as a real child process (bin/gitfed.js on this Node), for tests that check what a process does:
 * its exit code, its output, and what it leaves in the members. Every started process is remembered, so
 * `killAll()` (afterEach/afterAll) leaves none behind.
 *
 * NOTE: reconstructed from its callers (apply-cli, apply-member-lost, lab-apiserver tests) after it was
 * overwritten by mistake; the author of the original should check it against their version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplyReport } from '../../src/apply/apply-all.ts';
import type { DiagnosticJson } from '../../src/cli/format-diagnostics.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface GitfedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from start to exit. */
  ms: number;
}

/** What `gitfed apply -o json` prints. */
export type ApplyJson = ApplyReport & { errors: DiagnosticJson[]; warnings: DiagnosticJson[] };

export interface StartedGitfed {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<GitfedExit>;
}

const started = new Set<StartedGitfed>();

/** Starts `gitfed …args`; the test runner's NODE_OPTIONS (loader hooks) stay out of the child. */
export function startGitfed(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): StartedGitfed {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin', 'gitfed.js'), ...args], { cwd: options.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const stdout = () => Buffer.concat(out).toString('utf8');
  const stderr = () => Buffer.concat(err).toString('utf8');
  const process_: StartedGitfed = {
    child,
    stdout,
    stderr,
    exited: new Promise((done) => child.once('close', (code, signal) => done({ code, signal, stdout: stdout(), stderr: stderr(), ms: Math.round(performance.now() - startedAt) }))),
  };
  started.add(process_);
  void process_.exited.then(() => started.delete(process_));
  return process_;
}

/** The exit, or SIGKILL and a failure when the process has not ended within `timeoutMs`. */
export async function exitWithin(gitfed: StartedGitfed, timeoutMs: number): Promise<GitfedExit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
  const result = await Promise.race([gitfed.exited, timeout]).finally(() => clearTimeout(timer));
  if (result !== 'timeout') return result;
  gitfed.child.kill('SIGKILL');
  const killed = await gitfed.exited;
  throw new Error(`gitfed did not exit within ${timeoutMs} ms (killed); stderr:\n${killed.stderr.slice(-2000)}`);
}

/** Runs `gitfed …args` to its end (at most `timeoutMs`, 120 s by default). */
export function runGitfed(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<GitfedExit> {
  return exitWithin(startGitfed(args, options), options.timeoutMs ?? 120_000);
}

/** stdout parsed as `-o json` output. */
export function jsonOf(exit: GitfedExit): ApplyJson {
  try {
    return JSON.parse(exit.stdout) as ApplyJson;
  } catch {
    throw new Error(`stdout is not JSON (exit ${exit.code}):\n${exit.stdout.slice(0, 2000)}\nstderr:\n${exit.stderr.slice(-2000)}`);
  }
}

/** SIGKILLs every process started here that still runs, and waits for them. */
export async function killAll(): Promise<void> {
  const running = [...started];
  for (const gitfed of running) if (gitfed.child.exitCode === null && gitfed.child.signalCode === null) gitfed.child.kill('SIGKILL');
  await Promise.all(running.map((gitfed) => gitfed.exited));
}
