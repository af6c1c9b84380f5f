/**
 * What runs in a lab directory: each recorded process (alive or not, its memory) and, when the lab is up, whether
 * each member's kube-apiserver answers /readyz. `gitfed lab status`, idempotent `up` and the tests all ask this.
 */
import { kubeRequest } from './kube-request.ts';
import { profileOf, readLabInfo, type LabInfo } from './lab-info.ts';
import { labPaths } from './lab-paths.ts';
import { pkiFiles, readAdminCredentials } from './pki.ts';
import { isRecordAlive, readProcessRecords, readRssKiB, type ProcessRecord } from './processes.ts';

/** running: lab.json and every recorded process alive; degraded: some died; stopped: none alive; absent: no lab here. */
export type LabState = 'running' | 'degraded' | 'stopped' | 'absent';

export interface ProcessStatus extends ProcessRecord {
  alive: boolean;
  rssKiB?: number;
}

export interface MemberStatus {
  name: string;
  server: string;
  /** /readyz answered 200 (only probed when asked and the lab runs). */
  ready?: boolean;
  /** Resident memory of the member's own processes that are alive (the shared etcd and Git server not included). */
  rssKiB?: number;
}

export interface LabStatus {
  dir: string;
  state: LabState;
  info?: LabInfo;
  processes: ProcessStatus[];
  members: MemberStatus[];
}

export async function labStatus(dir: string, options: { probe?: boolean } = {}): Promise<LabStatus> {
  const paths = labPaths(dir);
  const [info, records] = await Promise.all([readLabInfo(paths.dir), readProcessRecords(paths.dir)]);
  const processes: ProcessStatus[] = records.map((record) => {
    const alive = isRecordAlive(record);
    const rssKiB = alive ? readRssKiB(record.pid) : undefined;
    return { ...record, alive, ...(rssKiB !== undefined ? { rssKiB } : {}) };
  });
  const aliveCount = processes.filter((p) => p.alive).length;
  const state: LabState =
    !info && processes.length === 0
      ? 'absent'
      : aliveCount === 0
        ? 'stopped'
        : info && aliveCount === processes.length
          ? 'running'
          : 'degraded';
  let members: MemberStatus[] = (info?.members ?? []).map((m) => {
    const own = processes.filter((p) => p.member === m.name && p.rssKiB !== undefined);
    const rssKiB = own.reduce((total, p) => total + (p.rssKiB ?? 0), 0);
    return { name: m.name, server: m.server, ...(own.length > 0 ? { rssKiB } : {}) };
  });
  if (options.probe && info && state !== 'stopped') {
    const credentials = await readAdminCredentials(pkiFiles(paths.pki));
    members = await Promise.all(
      members.map(async (m) => {
        try {
          const res = await kubeRequest(m.server, credentials, { path: '/readyz', timeoutMs: 3_000 });
          return { ...m, ready: res.status === 200 };
        } catch {
          return { ...m, ready: false };
        }
      }),
    );
  }
  return { dir: paths.dir, state, ...(info ? { info } : {}), processes, members };
}

/** A fixed-width table of the status for people. */
export function formatLabStatus(status: LabStatus): string {
  const profile = status.info ? `, profile ${profileOf(status.info)}` : '';
  const lines = [`lab ${status.dir}: ${status.state}${profile}`];
  if (status.info) {
    for (const m of status.members) {
      const ready = m.ready === undefined ? '' : m.ready ? '  ready' : '  NOT READY';
      const rss = m.rssKiB === undefined ? '' : `  ${mib(m.rssKiB)} MiB`;
      lines.push(`  ${m.name.padEnd(10)} ${m.server}${ready}${rss}`);
    }
    const measured = status.members.filter((m) => m.rssKiB !== undefined);
    if (measured.length > 0) {
      const total = measured.reduce((sum, m) => sum + (m.rssKiB ?? 0), 0);
      lines.push(`  members use ${mib(total)} MiB, ${mib(total / measured.length)} MiB each on average`);
    }
    lines.push(`  kubeconfig ${status.info.kubeconfig}`);
    lines.push(`  git        ${status.info.git.url}/<name>.git (user ${status.info.git.username})`);
  }
  if (status.processes.length > 0) {
    const rows = status.processes.map((p) => [
      p.id,
      String(p.pid),
      p.alive ? 'running' : 'gone',
      p.rssKiB !== undefined ? `${mib(p.rssKiB)} MiB` : '-',
      p.log,
    ]);
    const header = ['PROCESS', 'PID', 'STATE', 'RSS', 'LOG'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const row of [header, ...rows]) {
      lines.push(`  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const mib = (kib: number): string => String(Math.round(kib / 1024));
