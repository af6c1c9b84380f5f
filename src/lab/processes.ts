/**
 * The lab's process bookkeeping. Every component runs detached in its own process group with its output in
 * `DIR/logs/<id>.log`, and is recorded in `DIR/state/<id>.json` (pid, process group, command) the moment it is
 * spawned, so `gitfed lab down` — in this process or a later one — stops exactly what the lab started:
 * SIGTERM to the group, SIGKILL after a grace period, no orphans. Free ports are picked here too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, fstatSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GitfedError } from '../model/diagnostic.ts';
import { labPaths } from './lab-paths.ts';

export type LabComponent =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'git-server';

export interface ProcessRecord {
  /** Unique within the lab: `etcd`, `git-server`, `member1-kube-apiserver`, … */
  id: string;
  component: LabComponent;
  member?: string;
  pid: number;
  /** The process group `down` signals (the component is its leader). */
  pgid: number;
  command: string;
  args: string[];
  log: string;
  startedAt: string;
}

/** A component this process started: its record plus the exit it may still announce. */
export interface LabProcess {
  record: ProcessRecord;
  /** Settles when the process exits (only observable by the process that spawned it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Size of the log when this run began: what the component wrote since is `readLogSince(record.log, logStart)`. */
  logStart: number;
}

export interface SpawnSpec {
  labDir: string;
  id: string;
  component: LabComponent;
  member?: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Open an IPC channel (used by the Git server to report the port it bound). */
  ipc?: boolean;
}

/** Spawns one component detached, output appended to its log, and records it before returning. */
export async function spawnComponent(spec: SpawnSpec): Promise<LabProcess & { child: ChildProcess }> {
  const paths = labPaths(spec.labDir);
  await mkdir(paths.logs, { recursive: true });
  await mkdir(paths.state, { recursive: true });
  const log = join(paths.logs, `${spec.id}.log`);
  const fd = openSync(log, 'a');
  const logStart = fstatSync(fd).size;
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: spec.ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: paths.dir,
    });
  } finally {
    closeSync(fd);
  }
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new GitfedError('InternalError', `cannot start ${spec.component} (${spec.command}): ${err.message}; check that the binary exists and is executable`, {}, { cause: err })),
    );
  });
  child.unref();
  const pid = child.pid as number;
  const record: ProcessRecord = {
    id: spec.id,
    component: spec.component,
    ...(spec.member ? { member: spec.member } : {}),
    pid,
    pgid: readProcessGroup(pid) ?? pid,
    command: spec.command,
    args: spec.args,
    log,
    startedAt: new Date().toISOString(),
  };
  await writeRecord(spec.labDir, record);
  return { record, exited, hasExited: () => exitInfo !== undefined, logStart, child };
}

/** Writes (or replaces) one process record atomically. */
export async function writeRecord(labDir: string, record: ProcessRecord): Promise<void> {
  const file = join(labPaths(labDir).state, `${record.id}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Every process the lab recorded, oldest first. */
export async function readProcessRecords(labDir: string): Promise<ProcessRecord[]> {
  const dir = labPaths(labDir).state;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: ProcessRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as ProcessRecord);
    } catch {
      // A record cut short by a crash mid-write names nothing we could stop safely.
    }
  }
  return records.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

async function removeRecord(labDir: string, id: string): Promise<void> {
  await rm(join(labPaths(labDir).state, `${id}.json`), { force: true });
}

/** The process group of a pid, from /proc (field 5 of /proc/<pid>/stat). */
function readProcessGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgid = Number(fields[2]);
    return Number.isInteger(pgid) && pgid > 0 ? pgid : undefined;
  } catch {
    return undefined;
  }
}

/** True while the recorded process runs (not a zombie) and is still the recorded command, not a reused pid. */
export function isRecordAlive(record: ProcessRecord): boolean {
  return matchesRecord(record.pid, record);
}

function matchesRecord(pid: number, record: ProcessRecord): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === record.command;
  } catch {
    return false;
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resident memory of a process in KiB (VmRSS), or undefined when it is gone. */
export function readRssKiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether signalling the recorded group is safe: its leader is still our command, or the leader is gone but
 * members of the group (children the component forked) linger. A pid reused by something else is left alone.
 */
function ownsGroup(record: ProcessRecord): boolean {
  if (matchesRecord(record.pgid, record)) return true;
  let leaderExists = true;
  try {
    readFileSync(`/proc/${record.pgid}/stat`);
  } catch {
    leaderExists = false;
  }
  return !leaderExists && groupExists(record.pgid);
}

/**
 * Stops recorded processes: SIGTERM to each process group, SIGKILL to groups still there after `graceMs`, then
 * forgets them. All given records are stopped together; call once per wave to stop in dependency order.
 */
export async function stopProcesses(
  labDir: string,
  records: ProcessRecord[],
  options: { graceMs?: number } = {},
): Promise<{ stopped: ProcessRecord[]; killed: ProcessRecord[] }> {
  const graceMs = options.graceMs ?? 5_000;
  const targets = records.filter(ownsGroup);
  for (const record of targets) signalGroup(record.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some((r) => groupExists(r.pgid))) await sleep(100);
  const killed = targets.filter((r) => groupExists(r.pgid));
  for (const record of killed) signalGroup(record.pgid, 'SIGKILL');
  const killDeadline = Date.now() + 3_000;
  while (Date.now() < killDeadline && killed.some((r) => groupExists(r.pgid))) await sleep(50);
  const survivors = killed.filter((r) => groupExists(r.pgid));
  for (const record of records) {
    if (!survivors.includes(record)) await removeRecord(labDir, record.id);
  }
  if (survivors.length > 0) {
    throw new GitfedError(
      'InternalError',
      `process groups ${survivors.map((r) => `${r.pgid} (${r.id})`).join(', ')} survived SIGKILL; check them with \`ps -g <pgid>\``,
    );
  }
  return { stopped: targets, killed };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The order `down` stops components in: clients of the apiservers first, etcd last. */
export const stopWaves: LabComponent[][] = [
  ['kwok', 'kube-scheduler', 'kube-controller-manager', 'git-server'],
  ['kube-apiserver'],
  ['etcd'],
];

/** Stops every process recorded in the lab, wave by wave. */
export async function stopAllProcesses(
  labDir: string,
  options: { graceMs?: number } = {},
): Promise<{ stopped: ProcessRecord[]; killed: ProcessRecord[] }> {
  const records = await readProcessRecords(labDir);
  const stopped: ProcessRecord[] = [];
  const killed: ProcessRecord[] = [];
  const waves = [...stopWaves, []];
  for (const [index, wave] of waves.entries()) {
    // The last (empty) wave catches any component not named in the waves.
    const inWave = index < stopWaves.length
      ? records.filter((r) => wave.includes(r.component))
      : records.filter((r) => !stopWaves.flat().includes(r.component));
    if (inWave.length === 0) continue;
    const result = await stopProcesses(labDir, inWave, options);
    stopped.push(...result.stopped);
    killed.push(...result.killed);
  }
  return { stopped, killed };
}

const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 right now: bind :0, read the port, release it. Another process may grab it before the
 * component binds it, so starters retry with a fresh port when the component reports "address already in use".
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new GitfedError('InternalError', 'could not find a free TCP port on 127.0.0.1; free some ports and try again');
}

/** The last lines a component wrote to its log (since byte `from`), for error messages. */
export async function tailLog(log: string, lines = 8, from = 0): Promise<string> {
  try {
    const text = (await readFile(log)).subarray(from).toString('utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Whether this run of a component says it lost the race for its port. */
export async function logShowsPortInUse(proc: LabProcess): Promise<boolean> {
  return /address already in use/i.test(await tailLog(proc.record.log, 10_000, proc.logStart));
}
