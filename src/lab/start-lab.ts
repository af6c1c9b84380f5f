/**
 * `gitfed lab up`: starts the local multi-cluster lab and returns once every member is ready — binaries (built or
 * cached), PKI, one shared etcd, the Git server, then all members in parallel; finally DIR/kubeconfig and
 * DIR/lab.json. Idempotent: a lab already running is reported, not restarted. Anything started by a failed `up`
 * is stopped again before the error surfaces, so a failure leaves logs but no processes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import { resolveLabBinaries } from './binaries.ts';
import { startEtcd } from './etcd.ts';
import { startGitServer } from './git-server.ts';
import { acquireLabLock } from './lab-lock.ts';
import { mapBounded } from '../apply/map-bounded.ts';
import { labProfiles, profileOf, readLabInfo, writeLabInfo, type LabInfo, type LabProfile } from './lab-info.ts';
import { labPaths } from './lab-paths.ts';
import { labStatus } from './lab-status.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startMember, type StartedMember } from './member.ts';
import { ensurePki, readAdminCredentials, pkiFiles } from './pki.ts';
import { readProcessRecords, stopAllProcesses } from './processes.ts';
import { createProgress } from './progress.ts';

export interface StartLabOptions {
  dir: string;
  /** Number of member clusters (default 3). */
  members?: number;
  /** What each member runs (default full; see LabProfile). */
  profile?: LabProfile;
  /** Per readiness wait (default 90 s). */
  timeoutMs?: number;
}

export interface StartLabDeps {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where one line per step goes (stderr for the CLI). */
  progress?: Writable;
  /** Aborting stops what was started and rejects. */
  signal?: AbortSignal;
}

export interface StartLabResult {
  info: LabInfo;
  /** True when the lab was already running and nothing was started. */
  alreadyRunning: boolean;
  /** Seconds to ready, total and per member (absent when already running). */
  timings?: { totalSeconds: number; members: { name: string; readySeconds: number }[] };
}

export const defaultMemberCount = 3;
/** A full member costs about four processes and ~0.5 GiB; an api member one process (bench:lab prints both). */
export const maxMemberCount: Record<LabProfile, number> = { full: 20, api: 50 };
/**
 * Members started at once. A kube-apiserver spends seconds of CPU bootstrapping; starting twenty together on two
 * cores makes each one slower than its readiness timeout, a few at a time keeps every start short.
 */
const membersStartingAtOnce = 4;

export async function startLab(options: StartLabOptions, deps: StartLabDeps): Promise<StartLabResult> {
  const memberCount = options.members ?? defaultMemberCount;
  const profile = options.profile ?? 'full';
  if (!labProfiles.includes(profile)) {
    throw new GitfedError('UsageError', `--profile must be one of ${labProfiles.join(', ')}, not ${String(profile)}`);
  }
  const max = maxMemberCount[profile];
  if (!Number.isInteger(memberCount) || memberCount < 1 || memberCount > max) {
    throw new GitfedError('UsageError', `--members must be a whole number from 1 to ${max} with profile ${profile}, not ${memberCount}`);
  }
  const paths = labPaths(options.dir);
  const started = performance.now();
  const progress = createProgress(deps.progress, started);
  const log = deps.logger.child({ lab: paths.dir });
  await mkdir(paths.dir, { recursive: true });
  const release = await acquireLabLock(paths.dir);
  try {
    const before = await labStatus(paths.dir);
    if (before.state === 'running' && before.info) {
      const running = profileOf(before.info);
      const otherCount = options.members !== undefined && before.info.members.length !== memberCount;
      const otherProfile = options.profile !== undefined && running !== profile;
      if (otherCount || otherProfile) {
        throw new GitfedError(
          'UsageError',
          `the lab in ${paths.dir} already runs ${before.info.members.length} members with profile ${running}, ` +
            `not ${memberCount} with profile ${profile}; run \`gitfed lab down --dir ${options.dir}\` first to change it`,
        );
      }
      return { info: before.info, alreadyRunning: true };
    }
    if (before.processes.some((p) => p.alive)) {
      progress(`stopping what is left of a previous lab (${before.processes.filter((p) => p.alive).map((p) => p.id).join(', ')})`);
      await stopAllProcesses(paths.dir);
    }
    const previous = await readLabInfo(paths.dir);
    await rm(paths.labJson, { force: true });
    await rm(paths.state, { recursive: true, force: true });
    await rm(paths.members, { recursive: true, force: true });

    try {
      return await startFresh({ memberCount, profile }, previous, options, deps, progress, log, started);
    } catch (err) {
      if ((await readProcessRecords(paths.dir)).length > 0) {
        progress(`start failed; stopping what was started (logs stay in ${paths.logs})`);
        await stopAllProcesses(paths.dir, { graceMs: 3_000 }).catch((stopErr: unknown) => log.error({ err: stopErr }, 'cleanup failed'));
      }
      // An abort surfaces as the caller's reason, not as whichever wait noticed it first.
      throw deps.signal?.aborted ? deps.signal.reason : err;
    }
  } finally {
    await release();
  }
}

async function startFresh(
  { memberCount, profile }: { memberCount: number; profile: LabProfile },
  previous: LabInfo | undefined,
  options: StartLabOptions,
  deps: StartLabDeps,
  progress: (message: string) => void,
  log: Logger,
  started: number,
): Promise<StartLabResult> {
  const paths = labPaths(options.dir);
  const signal = deps.signal;
  const binaries = await resolveLabBinaries({ env: deps.env, ...(deps.progress ? { progress: deps.progress } : {}), ...(signal ? { signal } : {}) });
  progress(`binaries from ${binaries.dir}`);
  signal?.throwIfAborted();

  const { pki, created } = await ensurePki(paths.pki);
  const credentials = await readAdminCredentials(pki);
  progress(created ? `PKI created in ${paths.pki}` : `PKI reused from ${paths.pki}`);

  const gitCredentials = previous?.git ?? { username: 'gitfed', password: randomBytes(18).toString('base64url') };
  const [etcd, gitServer] = await Promise.all([
    startEtcd({ labDir: paths.dir, binary: binaries.etcd, ...(signal ? { signal } : {}) }).then((e) => {
      progress(`etcd ready at ${e.url}`);
      return e;
    }),
    startGitServer({ labDir: paths.dir, credentials: gitCredentials }).then((g) => {
      progress(`git server ready at ${g.url}`);
      return g;
    }),
  ]);
  log.debug({ etcd: etcd.url, git: gitServer.url }, 'shared services started');

  const names = Array.from({ length: memberCount }, (_, i) => `member${i + 1}`);
  const results = await mapBounded(names, membersStartingAtOnce, (name) =>
    settle(
      startMember({
        labDir: paths.dir,
        name,
        profile,
        binaries,
        pki: pkiFiles(paths.pki),
        credentials,
        etcdUrl: etcd.url,
        progress,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(signal ? { signal } : {}),
      }),
    ),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: names[i], reason: r.reason as unknown }] : []));
  if (failures.length > 0) {
    const text = failures.map((f) => `${f.name}: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}`).join('\n');
    throw new GitfedError('InternalError', `${failures.length} of ${memberCount} members did not start:\n${text}`, {}, { cause: failures[0]?.reason });
  }
  const members = results.map((r) => (r as PromiseFulfilledResult<StartedMember>).value);

  await writeKubeconfig(paths.kubeconfig, members.map((m) => ({ name: m.name, server: m.server })), credentials);
  const info: LabInfo = {
    profile,
    members: members.map((m) => ({ name: m.name, server: m.server, context: m.name })),
    kubeconfig: paths.kubeconfig,
    git: { url: gitServer.url, username: gitCredentials.username, password: gitCredentials.password },
    startedAt: new Date().toISOString(),
  };
  await writeLabInfo(paths.dir, info);
  const totalSeconds = (performance.now() - started) / 1000;
  progress(`lab ready: ${memberCount} members (profile ${profile}) in ${totalSeconds.toFixed(1)} s`);
  return {
    info,
    alreadyRunning: false,
    timings: { totalSeconds, members: members.map((m) => ({ name: m.name, readySeconds: m.readySeconds })) },
  };
}

/** Like one entry of Promise.allSettled: a member that fails to start must not stop the others being collected. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}
