/**
 * `gitfed run` as a child process, for tests that check what the process leaves behind (exit code, every line
 * it wrote, the Git branch, the members): from the sources (bin/gitfed.js) or from a production build (dist/,
 * compiled as the image's `npm run build` compiles it, run with NODE_ENV=production and JSON logs as the image
 * runs it). Every line written to stdout and stderr is kept.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  child: ChildProcess;
  /** Complete lines so far, each stream on its own. */
  readonly stdout: string[];
  readonly stderr: string[];
  /** The JSON log lines of both streams, parsed (other lines skipped). */
  logs(): Record<string, unknown>[];
  /** The URL of the HTTP endpoints, from the `endpoints at …` line on stderr. */
  endpoints(timeoutMs: number): Promise<string>;
  exited: Promise<DaemonExit>;
  /** Sends `signal`; the exit, or 'timeout' when the process still runs after `timeoutMs`. */
  signal(signal: NodeJS.Signals, timeoutMs: number): Promise<DaemonExit | 'timeout'>;
  /** SIGKILL unless it has exited; waits for the exit. */
  kill(): Promise<void>;
}

/** `node <entry> …args`; the test runner's NODE_OPTIONS (loader hooks) stay out of the child. */
function startProcess(entry: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): DaemonProcess {
  const childEnv = { ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = linesOf(child.stdout!);
  const stderr = linesOf(child.stderr!);
  const exited = new Promise<DaemonExit>((done) => child.once('close', (code, signal) => done({ code, signal })));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    stdout,
    stderr,
    logs: () => [...stderr, ...stdout].flatMap(parseJsonLine),
    async endpoints(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const url = stderr.map((line) => /endpoints at (http:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
        if (url) return url;
        if (gone() || Date.now() > deadline) throw new Error(`no endpoints line from gitfed run:\n${[...stderr, ...stdout].join('\n').slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exited,
    async signal(signal, timeoutMs) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
      return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    },
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** `gitfed …args` from the sources, as `npx gitfed` runs it. */
export function startSourceDaemon(args: readonly string[], env: NodeJS.ProcessEnv): DaemonProcess {
  return startProcess(join(root, 'bin', 'gitfed.js'), args, env, root);
}

export interface ProductionBuild {
  /** Holds dist/, package.json and node_modules (the repository's, linked). */
  dir: string;
  /** `node dist/cli/entry.js …args` with NODE_ENV=production and GITFED_LOG_FORMAT=json, as the image runs it. */
  start(args: readonly string[], env: NodeJS.ProcessEnv): DaemonProcess;
  remove(): Promise<void>;
}

/**
 * The image's build stage: tsconfig.build.json compiled into a temp folder (failing where `npm run build` fails).
 * The production dependency set is production-build.test.ts's subject; here the repository's node_modules are
 * linked, since what is under test is how the compiled code behaves.
 */
export async function buildProduction(): Promise<ProductionBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-dist-'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], {
    cwd: root,
    timeout: 270_000, // minutes on a busy machine
    maxBuffer: 16 * 1024 * 1024,
  }).catch(async (err: { stdout?: string; stderr?: string }) => {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the production build failed (so would the image's build stage):\n${err.stdout ?? ''}${err.stderr ?? String(err)}`);
  });
  await copyFile(join(root, 'package.json'), join(dir, 'package.json'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The image ships the Kubernetes schemas beside dist/ (Dockerfile): the compiled code reads them as ../schemas/.
  await symlink(join(root, 'schemas'), join(dir, 'schemas'), 'dir');
  return {
    dir,
    start: (args, env) => startProcess(join(dir, 'dist', 'cli', 'entry.js'), args, { ...env, NODE_ENV: 'production', GITFED_LOG_FORMAT: 'json' }, dir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function linesOf(stream: NodeJS.ReadableStream): string[] {
  const lines: string[] = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  stream.on('end', () => {
    if (partial) lines.push(partial);
    partial = '';
  });
  return lines;
}

function parseJsonLine(line: string): Record<string, unknown>[] {
  if (!line.startsWith('{')) return [];
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
}
