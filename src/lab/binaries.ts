/**
 * Finds the real Kubernetes binaries the lab runs. `GITFED_LAB_BIN` (like envtest's KUBEBUILDER_ASSETS) names a
 * directory of prebuilt binaries and wins; otherwise `lab/build-binaries.sh` builds them from their Go modules into
 * a user cache (or reuses the cache), its progress streamed to the user.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { GitfedError } from '../model/diagnostic.ts';

export interface LabBinaries {
  dir: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  etcd: string;
  kwok: string;
  /** Optional: only for people poking at the lab by hand. */
  kubectl?: string;
}

const required = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kwok'] as const;

export const buildScript = fileURLToPath(new URL('../../lab/build-binaries.sh', import.meta.url));

const waysOut =
  'Either install the Go toolchain (https://go.dev/dl/) so lab/build-binaries.sh can build them from Go modules, ' +
  `or set GITFED_LAB_BIN to a directory holding ${required.join(', ')} (kubectl optional).`;

export interface ResolveBinariesDeps {
  env: NodeJS.ProcessEnv;
  /** Where the build's progress goes (stderr for the CLI); silent when absent. */
  progress?: Writable;
  signal?: AbortSignal;
}

export async function resolveLabBinaries(deps: ResolveBinariesDeps): Promise<LabBinaries> {
  const fromEnv = deps.env.GITFED_LAB_BIN;
  if (fromEnv) {
    const binaries = await inspectDir(fromEnv);
    if (binaries.missing.length > 0) {
      throw new GitfedError(
        'UsageError',
        `GITFED_LAB_BIN=${fromEnv} lacks ${binaries.missing.join(', ')}. Put them there, or unset GITFED_LAB_BIN to ` +
          'build them from Go modules with lab/build-binaries.sh (needs the Go toolchain).',
      );
    }
    return binaries.found;
  }
  const dir = await runBuildScript(deps);
  const binaries = await inspectDir(dir);
  if (binaries.missing.length > 0) {
    throw new GitfedError('InternalError', `lab/build-binaries.sh finished but ${dir} lacks ${binaries.missing.join(', ')}. ${waysOut}`);
  }
  return binaries.found;
}

async function inspectDir(dir: string): Promise<{ found: LabBinaries; missing: string[] }> {
  const missing: string[] = [];
  for (const name of required) {
    if (!(await isExecutable(join(dir, name)))) missing.push(name);
  }
  const kubectl = join(dir, 'kubectl');
  return {
    missing,
    found: {
      dir,
      kubeApiserver: join(dir, 'kube-apiserver'),
      kubeControllerManager: join(dir, 'kube-controller-manager'),
      kubeScheduler: join(dir, 'kube-scheduler'),
      etcd: join(dir, 'etcd'),
      kwok: join(dir, 'kwok'),
      ...((await isExecutable(kubectl)) ? { kubectl } : {}),
    },
  };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs the build script (which reuses its cache); stderr streams through, the last stdout line is the bin dir. */
async function runBuildScript(deps: ResolveBinariesDeps): Promise<string> {
  const stderrTail: string[] = [];
  const child = spawn('bash', [buildScript], {
    env: deps.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    deps.progress?.write(chunk);
    stderrTail.push(...chunk.split('\n').filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 15));
  });
  const result = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  if (result.error || result.code !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.code}`;
    throw new GitfedError(
      'InternalError',
      `building the lab binaries with ${buildScript} failed (${reason})` +
        `${stderrTail.length ? `:\n${stderrTail.join('\n')}\n` : '. '}${waysOut}`,
    );
  }
  const dir = stdout.trim().split('\n').at(-1);
  if (!dir) throw new GitfedError('InternalError', `${buildScript} printed no bin directory. ${waysOut}`);
  return dir;
}
