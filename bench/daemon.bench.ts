/**
 * Daemon benchmark (issue 5, "Speed"): starts its own 3-member lab in a temp dir (binaries cached), then runs
 * `gitfed run` as a child process, as in production, against a repository in the lab's Git server:
 *
 * (a) push → applied via webhook: 300 federated objects (ConfigMaps and Deployments, placed on every member);
 *     20 pushes, each changing one ConfigMap. The clock starts when the push is in the remote (then the webhook
 *     goes out) and stops when the change is visible in all 3 members. Between pushes the daemon commits its
 *     report; the next push waits for it. Prints p50/p95.
 * (b) idle: 1,000 federated objects, default settings (interval 30s, drift interval 5m). After the first reconcile
 *     (timed) and a short settle, the daemon's CPU (process.cpuUsage, read from its own /metrics) over 30 s, and
 *     its resident memory (VmRSS, and the peak VmHWM) from /proc.
 *
 * Targets from the issue: p50 under 2 s, idle RSS under 300 MB; exit code 1 when over.
 *
 *   npm run bench:daemon [-- --pushes 20 --objects 300 --idle-objects 1000 --idle-seconds 30]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import git from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createMemberRegistry, type MemberRegistry } from '../src/cluster/member-registry.ts';
import { gitRepoUrl, labPaths, resolveLabBinaries, seedBareRepo, startLab, stopLab, type LabInfo } from '../src/lab/index.ts';

const run = promisify(execFile);
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '20' },
    objects: { type: 'string', default: '300' },
    'idle-objects': { type: 'string', default: '1000' },
    'idle-seconds': { type: 'string', default: '30' },
  },
});
const pushes = Number(values.pushes);
const latencyObjects = Number(values.objects);
const idleObjects = Number(values['idle-objects']);
const idleSeconds = Number(values['idle-seconds']);
const targets = { p50Ms: 2_000, idleRssMiB: 300 };
const logger = pino({ level: 'warn' }, process.stderr);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// ---- manifests ------------------------------------------------------------------------------------------------

/** Every tenth object a Deployment (1 replica), the rest ConfigMaps; one file per object, all on every member. */
function manifests(members: readonly string[], namespace: string, objects: number, version: (index: number) => number): Record<string, string> {
  const files: Record<string, string> = {
    'clusters.yaml': members
      .map((name) => stringify({ apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name, namespace: 'kube-federation-system' }, spec: { apiEndpoint: `https://${name}.example.internal:6443` } }))
      .join('---\n'),
    'namespace.yaml': stringify(federated('Namespace', namespace, namespace, {})),
  };
  for (let i = 0; i < objects; i++) {
    const name = objectName(i);
    if (i % 10 === 9) {
      const labels = { app: name };
      files[`deployments/${name}.yaml`] = stringify(
        federated('Deployment', namespace, name, {
          metadata: { labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'registry.example.com/bench/app:1.0.0' }] } },
          },
        }),
      );
    } else {
      files[`configmaps/${name}.yaml`] = stringify(federated('ConfigMap', namespace, name, { data: { version: String(version(i)), owner: 'bench' } }));
    }
  }
  return files;
}

function objectName(index: number): string {
  return `obj-${String(index).padStart(4, '0')}`;
}

function federated(kind: string, namespace: string, name: string, template: Record<string, unknown>) {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: `Federated${kind}`,
    metadata: { name, namespace },
    spec: { template, placement: { clusterSelector: {} } },
  };
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

// ---- the daemon as a process ------------------------------------------------------------------------------------

interface Daemon {
  child: ChildProcess;
  url: string;
  secret: string;
  stop(): Promise<void>;
}

async function startDaemon(work: string, info: LabInfo, repo: string, instance: string, flags: string[]): Promise<Daemon> {
  const secret = `bench-${Date.now()}`;
  const secretFile = path.join(work, `${instance}-webhook-secret`);
  await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, GITFED_GIT_USERNAME: info.git.username, GITFED_GIT_PASSWORD: info.git.password, GITFED_LOG_FORMAT: 'json' };
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin', 'gitfed.js'), 'run', '--repo', gitRepoUrl(info.git, repo), '--kubeconfig', info.kubeconfig, '--instance', instance,
      '--listen', '127.0.0.1:0', '--cache-dir', path.join(work, `${instance}-cache`), '--webhook-secret-file', secretFile, '--log-level', 'warn',
      ...flags,
    ],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /endpoints at (http:\/\/\S+)/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`gitfed run exited early:\n${stderr}`)));
  });
  return {
    child,
    url,
    secret,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

async function webhook(daemon: Daemon, after: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after });
  const signature = createHmac('sha256', daemon.secret).update(body).digest('hex');
  const response = await fetch(`${daemon.url}/hooks/git`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

/** The branch tip of the bare repository is gitfed's report commit on top of `revision`. */
async function reportOn(bare: string, revision: string): Promise<boolean> {
  const { stdout } = await run('git', ['--git-dir', bare, 'log', '-1', '--format=%ae %P', 'main']);
  return stdout.trim() === `gitfed@localhost ${revision}`;
}

type StageTotals = Map<string, { sum: number; count: number }>;

/** Seconds and reconciles per stage so far (gitfed_reconcile_duration_seconds sum and count). */
async function stageTotals(daemon: Daemon): Promise<StageTotals> {
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  const read = (suffix: string) =>
    new Map(
      [...text.matchAll(new RegExp(`^gitfed_reconcile_duration_seconds_${suffix}\\{stage="(\\w+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]),
    );
  const counts = read('count');
  return new Map([...read('sum')].map(([stage, sum]) => [stage, { sum, count: counts.get(stage) ?? 0 }]));
}

/** Mean seconds per stage over the reconciles between two readings. */
function stageMeans(before: StageTotals, after: StageTotals): Record<string, number> {
  return Object.fromEntries(
    [...after].map(([stage, { sum, count }]) => {
      const earlier = before.get(stage) ?? { sum: 0, count: 0 };
      return [stage, count > earlier.count ? (sum - earlier.sum) / (count - earlier.count) : Number.NaN];
    }),
  );
}

/** A value of the daemon's /metrics (first sample whose name and labels start with `prefix`). */
async function metric(daemon: Daemon, prefix: string): Promise<number> {
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no ${prefix} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

function procKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

// ---- the two measurements -------------------------------------------------------------------------------------

async function measureLatency(work: string, info: LabInfo, observer: MemberRegistry) {
  const members = info.members.map((m) => m.name);
  const name = 'bench-latency';
  const namespace = 'bench-latency';
  const versions = new Map<number, number>();
  const seedDir = path.join(work, 'latency-seed');
  await writeFiles(seedDir, manifests(members, namespace, latencyObjects, () => 0));
  const first = await seedBareRepo(labDir, name, seedDir, { message: 'bench: seed' });
  const bare = path.join(labPaths(labDir).git, `${name}.git`);
  const url = gitRepoUrl(info.git, name);
  const onAuth = () => ({ username: info.git.username, password: info.git.password });

  const daemon = await startDaemon(work, info, name, 'bench-latency', []);
  try {
    const started = Date.now();
    await waitUntil('the first reconcile and report', () => reportOn(bare, first), 300_000, 200);
    say(`(a) first reconcile of ${latencyObjects} objects × ${members.length} members: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const firstTotals = await stageTotals(daemon);
    const clone = path.join(work, 'latency-clone');
    await git.clone({ fs, http: nodeHttp, dir: clone, url, ref: 'main', singleBranch: true, onAuth });
    const author = { name: 'bench', email: 'bench@gitfed.invalid' };
    const latencies: number[] = [];
    const configMaps = Array.from({ length: latencyObjects }, (_, i) => i).filter((i) => i % 10 !== 9);
    for (let n = 0; n < pushes; n++) {
      const index = configMaps[(n * 37) % configMaps.length]!;
      const version = (versions.get(index) ?? 0) + 1;
      versions.set(index, version);
      const file = `configmaps/${objectName(index)}.yaml`;
      await git.pull({ fs, http: nodeHttp, dir: clone, ref: 'main', singleBranch: true, fastForwardOnly: true, author, onAuth });
      await writeFile(path.join(clone, file), stringify(federated('ConfigMap', namespace, objectName(index), { data: { version: String(version), owner: 'bench' } })));
      await git.add({ fs, dir: clone, filepath: file });
      const commit = await git.commit({ fs, dir: clone, message: `bench: ${objectName(index)} v${version}`, author });
      await git.push({ fs, http: nodeHttp, dir: clone, remote: 'origin', ref: 'main', onAuth });

      const pushed = performance.now();
      await webhook(daemon, commit);
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: objectName(index) };
      await waitUntil(
        `${objectName(index)} v${version} on every member`,
        async () => (await Promise.all(members.map((m) => observer.get(m).get(ref)))).every((o) => (o?.data as Record<string, string> | undefined)?.version === String(version)),
        30_000,
        10,
      );
      latencies.push(performance.now() - pushed);
      say(`(a) push ${n + 1}/${pushes}: ${objectName(index)} v${version} on every member after ${Math.round(latencies[latencies.length - 1]!)} ms`);
      await waitUntil('the report commit', () => reportOn(bare, commit), 60_000, 50);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      min: sorted[0] ?? Number.NaN,
      max: sorted[sorted.length - 1] ?? Number.NaN,
      stages: stageMeans(firstTotals, await stageTotals(daemon)),
    };
  } finally {
    await daemon.stop();
  }
}

async function measureIdle(work: string, info: LabInfo) {
  const members = info.members.map((m) => m.name);
  const name = 'bench-idle';
  const seedDir = path.join(work, 'idle-seed');
  await writeFiles(seedDir, manifests(members, 'bench-idle', idleObjects, () => 0));
  const first = await seedBareRepo(labDir, name, seedDir, { message: 'bench: seed' });
  const bare = path.join(labPaths(labDir).git, `${name}.git`);

  const daemon = await startDaemon(work, info, name, 'bench-idle', []); // defaults: interval 30s, drift interval 5m
  try {
    const started = Date.now();
    await waitUntil('the first reconcile and report', () => reportOn(bare, first), 600_000, 500);
    const firstSeconds = (Date.now() - started) / 1000;
    say(`(b) first reconcile of ${idleObjects} objects × ${members.length} members: ${firstSeconds.toFixed(1)} s; settling 5 s, then ${idleSeconds} s idle`);
    await sleep(5_000);
    const cpu = async () => (await metric(daemon, 'gitfed_process_process_cpu_user_seconds_total')) + (await metric(daemon, 'gitfed_process_process_cpu_system_seconds_total'));
    const before = await cpu();
    const rss: number[] = [];
    for (let s = 0; s < idleSeconds; s++) {
      await sleep(1_000);
      rss.push(procKiB(daemon.child.pid!, 'VmRSS'));
    }
    const cpuSeconds = (await cpu()) - before;
    say(`(b) VmRSS each second while idle (MiB): ${rss.map((kib) => Math.round(kib / 1024)).join(' ')}`);
    const sorted = [...rss].sort((a, b) => a - b);
    return {
      firstSeconds,
      cpuSeconds,
      cpuPercent: (cpuSeconds / idleSeconds) * 100,
      rssMedianMiB: percentile(sorted, 50) / 1024,
      rssEndMiB: (rss[rss.length - 1] ?? Number.NaN) / 1024,
      rssMaxIdleMiB: (sorted[sorted.length - 1] ?? Number.NaN) / 1024,
      peakMiB: procKiB(daemon.child.pid!, 'VmHWM') / 1024,
    };
  } finally {
    await daemon.stop();
  }
}

// ---- main -----------------------------------------------------------------------------------------------------

const binaries = await resolveLabBinaries({ env: process.env, progress: process.stderr });
const labDir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-daemon-'));
const work = path.join(labDir, 'bench-work');
let exitCode = 0;
let observer: MemberRegistry | undefined;
try {
  const { info } = await startLab({ dir: labDir, members: 3 }, { env: { ...process.env, GITFED_LAB_BIN: binaries.dir }, logger, progress: process.stderr });
  await mkdir(work, { recursive: true });
  observer = await createMemberRegistry({ clusters: info.members.map((m) => m.name), kubeconfig: info.kubeconfig }, { logger });

  const latency = await measureLatency(work, info, observer);
  const idle = await measureIdle(work, info);

  const ms = (value: number) => `${Math.round(value)} ms`;
  const p50ok = latency.p50 < targets.p50Ms;
  const rssOk = idle.rssMedianMiB < targets.idleRssMiB;
  const rows: [string, string, string][] = [
    ['measure', 'value', 'target'],
    [`(a) push → applied, webhook, ${latencyObjects} objects × 3, p50`, ms(latency.p50), `< ${ms(targets.p50Ms)} ${p50ok ? 'ok' : 'OVER'}`],
    [`(a) p95 (of ${pushes} pushes)`, ms(latency.p95), ''],
    ['(a) min / max', `${ms(latency.min)} / ${ms(latency.max)}`, ''],
    ...Object.entries(latency.stages).map(([stage, seconds]): [string, string, string] => [`(a) per push, mean reconcile stage: ${stage}`, ms(seconds * 1000), '']),
    [`(b) first reconcile, ${idleObjects} objects × 3`, `${idle.firstSeconds.toFixed(1)} s`, ''],
    [`(b) idle CPU over ${idleSeconds} s (defaults)`, `${idle.cpuSeconds.toFixed(2)} s (${idle.cpuPercent.toFixed(1)} %)`, ''],
    ['(b) idle RSS, median over the window', `${idle.rssMedianMiB.toFixed(0)} MiB`, `< ${targets.idleRssMiB} MiB ${rssOk ? 'ok' : 'OVER'}`],
    ['(b) idle RSS, end / max of the window', `${idle.rssEndMiB.toFixed(0)} / ${idle.rssMaxIdleMiB.toFixed(0)} MiB`, ''],
    ['(b) peak RSS (incl. first reconcile)', `${idle.peakMiB.toFixed(0)} MiB`, ''],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(`\ndaemon benchmark: gitfed run as a process, 3 lab members, ${os.cpus().length} CPUs, Node ${process.version}\n`);
  for (const row of rows) process.stdout.write(`${row[0].padEnd(widths[0]!)}  ${row[1].padStart(widths[1]!)}  ${row[2]}\n`);
  if (!p50ok || !rssOk) exitCode = 1;
} catch (err) {
  process.stderr.write(`daemon benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exitCode = 1;
} finally {
  await observer?.close();
  await stopLab(labDir).catch(() => undefined);
  await rm(labDir, { recursive: true, force: true });
}
process.exitCode = exitCode;
