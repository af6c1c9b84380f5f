/**
 * Fleet benchmark (issue 11): how gitfed's time and memory grow with members and objects, on a lab of real
 * kube-apiservers (the `api` profile: one apiserver per member over the lab's etcd, no controllers). For each
 * point, members × objects per member (mixed kinds: ConfigMaps, Secrets, Services, ServiceAccounts, Roles,
 * RoleBindings, Deployments at replicas 0; generate-repo.ts generateFleetRepo):
 *   first apply, no-op re-apply, and a drift pass after 1% of each member's objects were edited by hand (a merge
 *   patch under another field manager, on a field gitfed owns): every edit must come back, read from the member,
 *   and be reported as drift with its field.
 * Each apply runs in a process of its own (bench/fleet-runner.ts), so its CPU and peak RSS are gitfed's alone.
 * Per point and step it prints wall time (applyAll's), gitfed's CPU, the lab's CPU in the same window (every
 * process whose command line names the lab directory, from /proc), the machine's floor ((lab CPU + gitfed
 * CPU) / cores: no client can finish sooner on this machine), gitfed's peak RSS, the RSS and heap at the end
 * of observe (every member's lists), requests per member, the most requests in flight at once and the CPU every
 * other process of the machine used meanwhile (a shared machine stretches the wall past the floor); then the
 * growth factors (time and RSS per added member and per thousand objects) and the issue's targets.
 *
 *   npm run bench:fleet [-- --members 1,5,10,20] [--objects 2000] [--large 20000] [--rounds 1] [--lab DIR]
 *     --large 0 skips the 1-member point with many objects; --lab uses a running lab instead of starting one
 *     (its members must be enough for the largest point); --max-in-flight / --member-in-flight / --member-qps set
 *     the bounds (gitfed apply's --max-requests-in-flight, --member-requests-in-flight, --member-qps).
 * Objects a point created are removed after it (delete-collection per kind and namespace; the api profile has no
 * namespace controller), so later points' lists do not see them. Exit code 1 when a target or check is not met.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import type { ClusterClient, ObjectRef } from '../src/cluster/cluster-client.ts';
import { closeMembers, connectMembers } from '../src/cluster/connect-members.ts';
import { defaultFleetLimits } from '../src/cluster/fleet-limits.ts';
import { memberRate } from '../src/cluster/rate-limit.ts';
import { groupVersionPath } from '../src/cluster/client-node-cluster-client.ts';
import { kubeRequest, labPaths, pkiFiles, readAdminCredentials, readLabInfo, startLab, stopLab, type KubeCredentials, type LabInfo } from '../src/lab/index.ts';
import type { KubeObject } from '../src/model/types.ts';
import { render } from '../src/render/render.ts';
import { loadRepo } from '../src/source/load-repo.ts';
import type { FleetRunnerResult } from './fleet-runner.ts';
import { fleetKinds, fleetNamespaces, generateFleetRepo } from './generate-repo.ts';
import { labCpuMs } from './lab-cpu.ts';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1,5,10,20' },
    objects: { type: 'string', default: '2000' },
    large: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '1' },
    lab: { type: 'string' },
    'max-in-flight': { type: 'string', default: String(defaultFleetLimits.maxInFlight) },
    'member-in-flight': { type: 'string', default: String(defaultFleetLimits.memberInFlight) },
    'member-qps': { type: 'string', default: String(defaultFleetLimits.memberQps) },
  },
});
const memberCounts = values.members.split(',').map(Number).filter((n) => n > 0);
const objectCount = Number(values.objects);
const largeCount = Number(values.large);
const rounds = Math.max(1, Number(values.rounds));
const cores = os.availableParallelism();
const logger = pino({ level: 'warn' });
const run = promisify(execFile);
const runnerPath = path.join(import.meta.dirname, 'fleet-runner.ts');
const failed: string[] = [];
const runId = Date.now().toString(36).slice(-5);

interface Point { members: number; objects: number }
const points: Point[] = [...memberCounts.map((members) => ({ members, objects: objectCount })), ...(largeCount > 0 ? [{ members: 1, objects: largeCount }] : [])];
const steps = ['first', 'noop', 'drift'] as const;
type Step = (typeof steps)[number];
type Measured = FleetRunnerResult & { labCpuMs: number; machineCpuMs: number };
interface PointRun { first: Measured; noop: Measured; drift: Measured; edits: DriftCheck }
interface DriftCheck { edited: number; putBack: number; reported: number; missing: string[] }

/** CPU time (ms) every process on the machine has used so far (/proc/stat: all but idle and iowait). */
async function machineCpuMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / 100;
}

async function gitfedApply(labDir: string, repo: string, kubeconfig: string, instance: string, members: readonly string[]): Promise<Measured> {
  const args = [runnerPath, '--repo', repo, '--kubeconfig', kubeconfig, '--instance', instance, '--members', members.join(','), '--max-in-flight', values['max-in-flight'], '--member-in-flight', values['member-in-flight'], '--member-qps', values['member-qps']];
  const before = await labCpuMs(labDir);
  const machineBefore = await machineCpuMs();
  const outcome = await run(process.execPath, args, { maxBuffer: 512 << 20, timeout: 30 * 60_000 }).then(
    (r) => r.stdout,
    (err: { stdout?: string; message: string }) => err.stdout || JSON.stringify({ ok: false, error: err.message }),
  );
  const labCpu = (await labCpuMs(labDir)) - before;
  const machineCpu = (await machineCpuMs()) - machineBefore;
  try {
    return { ...(JSON.parse(outcome.trim().split('\n').at(-1) ?? '') as FleetRunnerResult), labCpuMs: labCpu, machineCpuMs: machineCpu };
  } catch {
    return { ok: false, error: 'the runner printed no result', applyMs: 0, cpuMs: 0, maxRssKiB: 0, renderedRssMiB: 0, steps: { observe: zero, write: zero, prune: zero }, inFlight: { peak: 0, memberPeak: 0, maxInFlight: 0, memberInFlight: 0 }, members: {}, labCpuMs: labCpu, machineCpuMs: machineCpu };
  }
}
const zero = { rssMiB: 0, heapMiB: 0 };

/** The hand edit of each kind (a merge patch on a field gitfed applies), the field it changes, and whether it came back. */
const handEdits: Record<(typeof fleetKinds)[number], { patch: (o: KubeObject) => Record<string, unknown>; field: string; restored: (o: KubeObject) => boolean }> = {
  ConfigMap: { patch: () => ({ data: { key: 'edited-by-hand' } }), field: 'data.key', restored: (o) => (o.data as Record<string, string>).key !== 'edited-by-hand' },
  Secret: { patch: () => ({ data: { token: Buffer.from('edited-by-hand').toString('base64') } }), field: 'data.token', restored: (o) => Buffer.from(String((o.data as Record<string, string>).token), 'base64').toString() !== 'edited-by-hand' },
  Service: { patch: () => ({ spec: { publishNotReadyAddresses: true } }), field: 'spec.publishNotReadyAddresses', restored: (o) => (o.spec as { publishNotReadyAddresses?: boolean }).publishNotReadyAddresses !== true },
  ServiceAccount: { patch: () => ({ automountServiceAccountToken: true }), field: 'automountServiceAccountToken', restored: (o) => o.automountServiceAccountToken === false },
  Role: { patch: () => ({ rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }), field: 'rules[0].verbs', restored: (o) => (o.rules as { verbs: string[] }[])[0]?.verbs.length === 2 },
  RoleBinding: { patch: (o) => ({ subjects: [{ kind: 'ServiceAccount', name: 'edited-by-hand', namespace: o.metadata.namespace }] }), field: 'subjects[0].name', restored: (o) => (o.subjects as { name: string }[])[0]?.name === 'default' },
  Deployment: { patch: () => ({ spec: { minReadySeconds: 7 } }), field: 'spec.minReadySeconds', restored: (o) => ((o.spec as { minReadySeconds?: number }).minReadySeconds ?? 0) === 0 },
};

async function withClients<T>(kubeconfig: string, members: readonly string[], use: (clients: ClusterClient[]) => Promise<T>): Promise<T> {
  // The bench's own clients edit under a field manager of their own, as a person with kubectl edit would.
  const connections = await connectMembers(members, { kubeconfig, client: { fieldManager: 'kubectl-edit' } }, { logger });
  try {
    return await use([...connections.values()].filter((c): c is ClusterClient => 'list' in c));
  } finally {
    await closeMembers(connections);
  }
}

/** The edited objects: every 100th rendered object of each member (Namespaces left out). */
function toEdit(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.kind !== 'Namespace').filter((_, i) => i % 100 === 50);
}

async function editByHand(kubeconfig: string, rendered: Record<string, KubeObject[]>): Promise<number> {
  return withClients(kubeconfig, Object.keys(rendered), async (clients) => {
    const counts = await Promise.all(clients.map(async (client) => {
      const objects = toEdit(rendered[client.cluster] ?? []);
      let edited = 0;
      for (const object of objects) {
        // An object the first apply could not create is not edited; the drift check then reports it missing.
        const done = await client.mergePatch(refOf(object), handEdits[object.kind as keyof typeof handEdits].patch(object)).then(() => true, () => false);
        if (done) edited++;
      }
      return edited;
    }));
    return counts.reduce((a, b) => a + b, 0);
  });
}

async function checkDrift(kubeconfig: string, rendered: Record<string, KubeObject[]>, drift: Measured): Promise<DriftCheck> {
  return withClients(kubeconfig, Object.keys(rendered), async (clients) => {
    const check: DriftCheck = { edited: 0, putBack: 0, reported: 0, missing: [] };
    for (const client of clients) {
      const configured = new Map((drift.members[client.cluster]?.configured ?? []).map((c) => [c.id, c]));
      for (const object of toEdit(rendered[client.cluster] ?? [])) {
        check.edited++;
        const edit = handEdits[object.kind as keyof typeof handEdits];
        const id = `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
        const live = await client.get(refOf(object));
        if (live && edit.restored(live)) check.putBack++;
        else check.missing.push(`${client.cluster}:${id} not put back`);
        const change = configured.get(id);
        if (change?.drift && change.fields.some((f) => f === edit.field || f.startsWith(`${edit.field}.`) || f.startsWith(`${edit.field}[`))) check.reported++;
        else check.missing.push(`${client.cluster}:${id} reported ${change ? `with fields ${change.fields.join(', ')}` : 'not as configured'}`);
      }
    }
    return check;
  });
}

function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

/** Removes what a point created: every object of its namespaces by delete-collection, its inventories, its namespaces. */
async function cleanUp(lab: LabInfo, labDir: string, members: readonly string[], prefix: string, namespaces: number, instance: string): Promise<void> {
  const credentials: KubeCredentials = await readAdminCredentials(pkiFiles(labPaths(labDir).pki));
  const kinds: [string, string][] = [['v1', 'configmaps'], ['v1', 'secrets'], ['v1', 'services'], ['v1', 'serviceaccounts'], ['rbac.authorization.k8s.io/v1', 'roles'], ['rbac.authorization.k8s.io/v1', 'rolebindings'], ['apps/v1', 'deployments'], ['apps/v1', 'replicasets']];
  await Promise.all(members.map(async (name) => {
    const server = lab.members.find((m) => m.name === name)!.server;
    const send = (method: string, requestPath: string) => kubeRequest(server, credentials, { method, path: requestPath, timeoutMs: 120_000 });
    // Every kind of a namespace at once, namespace after namespace (all at once resets connections at 20 members).
    for (let n = 0; n < namespaces; n++) await (async () => {
      const ns = `${prefix}-${n}`;
      // Services have no delete-collection: one by one.
      const services = JSON.parse((await send('GET', `/api/v1/namespaces/${ns}/services`)).body) as { items?: KubeObject[] };
      await Promise.all([
        ...(services.items ?? []).map((s) => send('DELETE', `/api/v1/namespaces/${ns}/services/${s.metadata.name}`)),
        ...kinds.filter(([, plural]) => plural !== 'services').map(([apiVersion, plural]) => send('DELETE', `${groupVersionPath(apiVersion)}/namespaces/${ns}/${plural}`)),
      ]);
      await send('DELETE', `/api/v1/namespaces/${ns}`);
    })();
    await send('DELETE', `/api/v1/namespaces/gitfed-system/configmaps?labelSelector=${encodeURIComponent(`gitfed.io/instance=${instance}`)}`);
  }));
}

/** The point's figures, and its clean-up (run after they are printed). */
async function runPoint(lab: LabInfo, labDir: string, work: string, point: Point, round: number): Promise<{ run: PointRun; cleanUpPoint: () => Promise<void> }> {
  const members = lab.members.slice(0, point.members).map((m) => m.name);
  // A run id of its own: a deleted namespace of an earlier run stays Terminating on the api profile (no controller).
  const prefix = `fleet-${runId}-${point.members}x${point.objects}-r${round}`;
  const repo = path.join(work, prefix);
  await generateFleetRepo(repo, { prefix, members, objects: point.objects });
  const rendered = render(await loadRepo(repo), { instance: prefix }).clusters;
  const apply = () => gitfedApply(labDir, repo, lab.kubeconfig, prefix, members);
  const cleanUpPoint = () =>
    cleanUp(lab, labDir, members, prefix, fleetNamespaces(point.objects), prefix).catch((err: unknown) => console.log(`  clean-up of ${prefix} did not finish: ${String(err)}`));
  try {
    const first = await apply();
    const noop = await apply();
    await editByHand(lab.kubeconfig, rendered);
    const drift = await apply();
    return { run: { first, noop, drift, edits: await checkDrift(lab.kubeconfig, rendered, drift) }, cleanUpPoint };
  } catch (err) {
    await cleanUpPoint();
    throw err;
  }
}

// ---- figures -------------------------------------------------------------------------------------------------

function median(numbers: readonly number[]): number {
  const sorted = numbers.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
const sec = (ms: number) => (Number.isNaN(ms) ? 'failed' : `${(ms / 1000).toFixed(1)} s`);
const mib = (value: number) => (Number.isNaN(value) ? 'failed' : `${value.toFixed(0)} MiB`);
const ok = (s: Measured) => s.ok && Object.values(s.members).every((m) => m.problems.length === 0);
const of = (s: Measured, value: number) => (ok(s) ? value : Number.NaN);
const floorMs = (s: Measured) => (s.labCpuMs + s.cpuMs) / cores;
/** CPU the rest of the machine used in the window (other users' builds and tests; the runner's start-up): not ours, but it stretches the wall. */
const others = (s: Measured) => Math.max(0, s.machineCpuMs - s.labCpuMs - s.cpuMs);
const sum = (s: Measured, key: 'writes' | 'reads' | 'dryRuns' | 'discovery') => Object.values(s.members).reduce((total, m) => total + (m.stats?.[key] ?? 0), 0);

/**
 * The other bound on a first apply: each member's token bucket (defaultRateLimit: qps, plus a burst banked at
 * the start: --member-qps, burst twice that) lets its writes go no faster, whatever the CPU. One member with many objects meets it before the
 * CPU floor; a fleet, whose members are served side by side, meets the CPU floor first.
 */
function rateFloorLine(s: Measured): string {
  const slowest = Math.max(0, ...Object.values(s.members).map((m) => (m.stats?.writes ?? 0) + (m.stats?.reads ?? 0) + (m.stats?.dryRuns ?? 0)));
  const { qps, burst } = memberRate(Number(values['member-qps']));
  const rateFloor = (Math.max(0, slowest - burst) / qps) * 1000;
  return `first apply: CPU floor ${sec(floorMs(s))}, rate floor ${sec(rateFloor)} (${slowest} requests of the busiest member at ${qps}/s after a burst of ${burst}); wall ${sec(s.applyMs)}, ${(s.applyMs / Math.max(floorMs(s), rateFloor)).toFixed(2)}× the higher`;
}

function check(name: string, met: boolean): string {
  if (!met) failed.push(name);
  return met ? 'met' : 'NOT met';
}

function printPoint(point: Point, runs: PointRun[], round?: number): void {
  console.log(`\n${point.members} member(s) × ${point.objects} objects (${point.members * point.objects} member objects), ${round ? `round ${round}` : `${runs.length} rounds`}, ${cores} cores`);
  console.log(`  ${'step'.padEnd(8)} ${'wall'.padStart(8)} ${'gitfed CPU'.padStart(10)} ${'lab CPU'.padStart(8)} ${'floor'.padStart(7)} ${'wall/floor'.padStart(10)} ${'peak RSS'.padStart(9)} ${'observe RSS/heap'.padStart(17)} ${'in flight'.padStart(9)} ${'others CPU'.padStart(10)}   requests per member (writes/reads/dry-runs/discovery)`);
  for (const [i, r] of runs.entries()) {
    for (const step of steps) {
      const s = r[step];
      const n = Math.max(1, Object.keys(s.members).length);
      const perMember = `${(sum(s, 'writes') / n).toFixed(0)}/${(sum(s, 'reads') / n).toFixed(0)}/${(sum(s, 'dryRuns') / n).toFixed(0)}/${(sum(s, 'discovery') / n).toFixed(0)}`;
      const label = runs.length > 1 ? `r${i + 1} ${step}` : step;
      console.log(`  ${label.padEnd(8)} ${sec(of(s, s.applyMs)).padStart(8)} ${sec(s.cpuMs).padStart(10)} ${sec(s.labCpuMs).padStart(8)} ${sec(floorMs(s)).padStart(7)} ${(s.applyMs / floorMs(s)).toFixed(2).padStart(9)}× ${mib(s.maxRssKiB / 1024).padStart(9)} ${`${s.steps.observe.rssMiB.toFixed(0)}/${s.steps.observe.heapMiB.toFixed(0)} MiB`.padStart(17)} ${`${s.inFlight.peak}/${s.inFlight.maxInFlight}`.padStart(9)} ${sec(others(s)).padStart(10)}   ${perMember}`);
      if (!ok(s)) console.log(`    ${check(`${point.members}×${point.objects} ${step} ran without errors`, false)}: ${(s.error ?? Object.values(s.members).flatMap((m) => m.problems).slice(0, 3).join('; ')).slice(0, 600)}`);
    }
    const e = r.edits;
    console.log(`  drift: ${e.edited} objects edited by hand, ${e.putBack} put back (read from the members), ${e.reported} reported as drift with the edited field: ${check(`${point.members}×${point.objects} drift put back`, e.edited > 0 && e.putBack === e.edited && e.reported === e.edited)}${e.missing.length > 0 ? ` (${e.missing.slice(0, 3).join('; ')})` : ''}`);
    console.log(`  ${rateFloorLine(r.first)}`);
    console.log(`  no-op writes: ${sum(r.noop, 'writes')}, dry-runs: ${sum(r.noop, 'dryRuns')}; gitfed's RSS after render, before any request: ${r.first.renderedRssMiB.toFixed(0)} MiB; in flight at most ${r.first.inFlight.memberPeak}/${r.first.inFlight.memberInFlight} per member`);
  }
}

function printGrowth(results: Map<Point, PointRun[]>): void {
  const value = (point: Point, step: Step, pick: (s: Measured) => number) => median((results.get(point) ?? []).map((r) => of(r[step], pick(r[step]))));
  const wall = (s: Measured) => s.applyMs;
  const rss = (s: Measured) => s.maxRssKiB / 1024;
  const fleet = points.filter((p) => p.objects === objectCount).sort((a, b) => a.members - b.members);
  const small = fleet[0];
  const big = fleet.at(-1);
  const large = points.find((p) => p.members === 1 && p.objects === largeCount);
  const single = points.find((p) => p.members === 1 && p.objects === objectCount);
  console.log('\ngrowth factors (medians):');
  for (const step of steps) {
    if (small && big && big.members > small.members) {
      const d = big.members - small.members;
      console.log(`  ${step.padEnd(6)} per added member (${small.members}→${big.members} × ${objectCount}): time +${sec((value(big, step, wall) - value(small, step, wall)) / d)}, peak RSS +${mib((value(big, step, rss) - value(small, step, rss)) / d)}`);
    }
    if (single && large) {
      const k = (large.objects - single.objects) / 1000;
      console.log(`  ${step.padEnd(6)} per thousand objects (1 × ${single.objects}→${large.objects}): time +${sec((value(large, step, wall) - value(single, step, wall)) / k)}, peak RSS +${mib((value(large, step, rss) - value(single, step, rss)) / k)}`);
    }
  }
  const target = points.find((p) => p.members === 20 && p.objects === 2000);
  if (target) {
    const runs = results.get(target) ?? [];
    console.log('targets at 20 × 2,000:');
    console.log(`  no-op < 10 s with 0 writes: ${sec(value(target, 'noop', wall))}, ${runs.map((r) => sum(r.noop, 'writes')).join('/')} writes: ${check('no-op 20×2000 < 10 s, 0 writes', value(target, 'noop', wall) < 10_000 && runs.every((r) => sum(r.noop, 'writes') === 0))}`);
    console.log(`  peak RSS < 1 GiB: ${mib(Math.max(...steps.map((s) => value(target, s, rss))))}: ${check('peak RSS 20×2000 < 1 GiB', Math.max(...steps.map((s) => value(target, s, rss))) < 1024)}`);
    console.log(`  drift 1% < 15 s, every edit put back: ${sec(value(target, 'drift', wall))}: ${check('drift 20×2000 < 15 s', value(target, 'drift', wall) < 15_000)}`);
  }
  for (const point of points) {
    const ratio = median((results.get(point) ?? []).map((r) => of(r.first, r.first.applyMs / floorMs(r.first))));
    console.log(`  first apply within 1.2× the machine floor at ${point.members} × ${point.objects}: ${ratio.toFixed(2)}×: ${check(`first apply ${point.members}×${point.objects} within 1.2× floor`, ratio <= 1.2)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

const work = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-fleet-'));
const labDir = values.lab ? path.resolve(values.lab) : path.join(work, 'lab');
const needed = Math.max(...points.map((p) => p.members));
try {
  let lab: LabInfo | undefined;
  if (values.lab) lab = await readLabInfo(labDir);
  // The api profile: a kube-apiserver per member over the lab's etcd, nothing else (src/lab, issue 11 item 1).
  else lab = (await startLab({ dir: labDir, members: needed, profile: 'api' }, { env: process.env, logger, progress: process.stderr })).info;
  if (!lab) throw new Error(`no lab in ${labDir}`);
  if (lab.members.length < needed) throw new Error(`the lab in ${labDir} has ${lab.members.length} members; the largest point needs ${needed}`);
  const results = new Map<Point, PointRun[]>(points.map((p) => [p, []]));
  const started = performance.now();
  console.log(`fleet benchmark: lab ${labDir} (${lab.members.length} members), bounds ${values['max-in-flight']} in flight / ${values['member-in-flight']} per member, ${values['member-qps']} requests a second per member`);
  console.log('  wall = applyAll (observe → write → prune), load and render excluded; floor = (lab CPU + gitfed CPU) / cores;');
  console.log("  others CPU = every other process's CPU in the same window (/proc/stat): a shared machine stretches the wall beyond the floor by about others / cores");
  for (let round = 1; round <= rounds; round++) {
    for (const point of points) {
      const { run: done, cleanUpPoint } = await runPoint(lab, labDir, work, point, round);
      results.get(point)!.push(done);
      printPoint(point, [done], round); // as it comes, so a long run shows its figures early
      await cleanUpPoint();
    }
  }
  if (rounds > 1) for (const point of points) printPoint(point, results.get(point)!);
  console.log(`\n${sec(performance.now() - started)} in all`);
  printGrowth(results);
  console.log(failed.length > 0 ? `\ntargets or checks NOT met: ${[...new Set(failed)].join("; ")}` : '\ntargets and checks: all met');
  if (failed.length > 0) process.exitCode = 1;
} finally {
  if (!values.lab) await stopLab(labDir).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
