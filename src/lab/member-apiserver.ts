/**
 * Stopping and starting one member's kube-apiserver in a running lab, so tests can lose a member mid-apply and get
 * it back. The restart reuses the recorded command line — same port, certificates and etcd prefix — so every
 * kubeconfig stays valid and the member's objects (kept in etcd) are all still there.
 *
 * While stopped, the member's record stays in DIR/state (its pid gone): `lab status` says degraded, `lab down`
 * forgets it, and `start-apiserver` reads the command line from it.
 */
import { GitfedError } from '../model/diagnostic.ts';
import { acquireLabLock } from './lab-lock.ts';
import { readLabInfo, type LabMember } from './lab-info.ts';
import { labPaths } from './lab-paths.ts';
import { apiserverReady } from './member.ts';
import { pkiFiles, readAdminCredentials } from './pki.ts';
import {
  isRecordAlive,
  logShowsPortInUse,
  readProcessRecords,
  spawnComponent,
  stopProcesses,
  writeRecord,
  type ProcessRecord,
} from './processes.ts';
import { waitFor } from './wait-for.ts';

export interface StopApiserverResult {
  member: string;
  server: string;
  /** False when it was not running (nothing was signalled). */
  stopped: boolean;
}

export interface StartApiserverResult {
  member: string;
  server: string;
  /** True when it was running already and nothing was started. */
  alreadyRunning: boolean;
  /** Seconds from spawn to ready (0 when already running). */
  readySeconds: number;
}

export async function stopMemberApiserver(dir: string, member: string, options: { graceMs?: number } = {}): Promise<StopApiserverResult> {
  const release = await acquireLabLock(dir);
  try {
    const { lab, record } = await findApiserver(dir, member);
    if (!isRecordAlive(record)) return { member, server: lab.server, stopped: false };
    // On SIGTERM kube-apiserver closes its port at once but then drains watches for up to a minute; the
    // member is gone for its clients either way, so it gets 2 s before SIGKILL. Its data is all in etcd.
    await stopProcesses(dir, [record], { graceMs: options.graceMs ?? 2_000 });
    // stopProcesses forgets the record; keep it (pid gone) so the restart knows the command line.
    await writeRecord(dir, record);
    return { member, server: lab.server, stopped: true };
  } finally {
    await release();
  }
}

/** Starts the member's kube-apiserver again and returns once /readyz (admin credentials) and namespace default answer. */
export async function startMemberApiserver(
  dir: string,
  member: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<StartApiserverResult> {
  const release = await acquireLabLock(dir);
  try {
    const { lab, record, records } = await findApiserver(dir, member);
    if (isRecordAlive(record)) return { member, server: lab.server, alreadyRunning: true, readySeconds: 0 };
    const etcd = records.find((r) => r.component === 'etcd');
    if (!etcd || !isRecordAlive(etcd)) {
      throw new GitfedError('UsageError', `the lab's etcd in ${labPaths(dir).dir} is not running; start the whole lab with \`gitfed lab up --dir ${dir}\``);
    }
    const started = performance.now();
    const proc = await spawnComponent({
      labDir: dir,
      id: record.id,
      component: record.component,
      member,
      command: record.command,
      args: record.args,
    });
    const credentials = await readAdminCredentials(pkiFiles(labPaths(dir).pki));
    try {
      await waitFor(() => apiserverReady(lab.server, credentials), {
        what: `${member}'s kube-apiserver at ${lab.server} to be ready again (/readyz, then namespace default)`,
        timeoutMs: options.timeoutMs ?? 90_000,
        intervalMs: 250,
        processes: [proc],
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (proc.hasExited() && (await logShowsPortInUse(proc))) {
        throw new GitfedError(
          'InternalError',
          `${member}'s port ${new URL(lab.server).port} was taken by another process while its kube-apiserver was stopped; ` +
            `the kubeconfig names that port, so restart the whole lab (\`gitfed lab down\`, \`gitfed lab up\`)`,
          {},
          { cause: err },
        );
      }
      throw err;
    }
    return { member, server: lab.server, alreadyRunning: false, readySeconds: (performance.now() - started) / 1000 };
  } finally {
    await release();
  }
}

async function findApiserver(dir: string, member: string): Promise<{ lab: LabMember; record: ProcessRecord; records: ProcessRecord[] }> {
  const info = await readLabInfo(dir);
  if (!info) throw new GitfedError('UsageError', `no lab in ${labPaths(dir).dir}; start one with \`gitfed lab up --dir ${dir}\``);
  const lab = info.members.find((m) => m.name === member);
  if (!lab) {
    throw new GitfedError('UsageError', `the lab in ${labPaths(dir).dir} has no member ${member}; its members are ${info.members.map((m) => m.name).join(', ')}`);
  }
  const records = await readProcessRecords(dir);
  const record = records.find((r) => r.component === 'kube-apiserver' && r.member === member);
  if (!record) {
    throw new GitfedError('UsageError', `the lab in ${labPaths(dir).dir} has no record of ${member}'s kube-apiserver (was it stopped with \`lab down\`?); run \`gitfed lab up --dir ${dir}\``);
  }
  return { lab, record, records };
}
