/**
 * Three `gitfed run` processes sharing five members through Leases on member1 (the coordination cluster, also a
 * member), checked from outside: the members' objects, the Leases and status ConfigMaps, each process's /metrics
 * (writes it sent per member) and log lines, and the Git branch. Five members take a lab of their own with the
 * api profile (real kube-apiservers on one etcd: ConfigMaps need no controllers), started beside the suite's lab.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/coordination/assign-members.ts';
import { leaseRecordOf } from '../../src/coordination/lease-store.ts';
import type { LeaseRecord } from '../../src/coordination/lease-ownership.ts';
import { memberStatusLabel, statusReplicaLabel } from '../../src/coordination/status-store.ts';
import { labPaths, startLab, stopLab } from '../../src/lab/index.ts';
import { instanceAnnotation } from '../../src/model/marks.ts';
import { parse, stringify } from 'yaml';
import type { StatusReport } from '../../src/report/build-report.ts';
import { bareGit, daemonKit, postWebhook, startRunProcess, tempDir, waitFor, type DaemonKit, type DaemonScenario } from '../support/daemon-kit.ts';
import type { DaemonProcess } from '../support/gitfed-daemon-process.ts';
import type { E2eLab } from './lab-context.ts';

let fleetDir = '';
let lab: E2eLab;
let kit: DaemonKit;
beforeAll(async () => {
  fleetDir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-replicas-lab-'));
  const { info } = await startLab({ dir: fleetDir, members: 5, profile: 'api' }, { env: process.env, logger: pino({ level: 'warn' }, process.stderr) });
  lab = { ...info, dir: labPaths(fleetDir).dir, reused: false };
  kit = daemonKit(lab);
  await kit.open();
});
afterEach(() => kit.cleanUp());
afterAll(async () => {
  await kit?.close();
  if (fleetDir) {
    await stopLab(fleetDir);
    await rm(fleetDir, { recursive: true, force: true });
  }
});

const coordination = 'member1';
const namespace = 'gitfed-system';
/** Short enough for a test to see the leader delete what a killed replica left. */
const cleanupAfter = '5s';

interface Replica {
  id: string;
  process: DaemonProcess;
  url: string;
  secret: string;
}

async function ensureNamespace(): Promise<void> {
  const client = kit.observer.get(coordination);
  if (!(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }))) {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => undefined);
  }
}

async function startReplica(s: DaemonScenario, id: string, extra: string[] = []): Promise<Replica> {
  const flags = ['--coordination-context', coordination, '--replica-id', id, '--lease-cleanup-after', cleanupAfter, ...extra];
  const { process: process_, secret } = await startRunProcess(s, lab, `replica-${id}`, flags);
  kit.defer(() => process_.kill());
  return { id, process: process_, url: await process_.endpoints(90_000), secret }; // minutes on a loaded 2-core machine
}

async function leases(instance: string): Promise<LeaseRecord[]> {
  const objects = await kit.observer.get(coordination).list('coordination.k8s.io/v1', 'Lease', { namespace, labelSelector: `${instanceAnnotation}=${instance}` });
  return objects.flatMap((object) => leaseRecordOf(object) ?? []);
}

/** gitfed_member_writes_total per member, from the replica's /metrics. */
async function writesOf(replica: Replica): Promise<Record<string, number>> {
  const text = await (await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^gitfed_member_writes_total\{cluster="([^"]+)"\} (\d+)/gm)) out[match[1]!] = Number(match[2]);
  return out;
}

const readyz = async (replica: Replica) => (await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;

async function everyMemberHas(s: DaemonScenario, value: string): Promise<boolean> {
  const data = await Promise.all(kit.members.map((member) => kit.configMapData(member, s.namespace, 'settings')));
  return data.every((d) => d?.v === value);
}

const commitLines = (replica: Replica) => replica.process.logs().filter((line) => line.msg === 'report committed and pushed');

async function reportFor(s: DaemonScenario, revision: string) {
  return waitFor(`the report of ${revision.slice(0, 8)} listing every member`, async () => {
    const found = await s.report();
    if (found?.report.source.revision !== revision) return undefined;
    const cells = found.report.resources.filter((resource) => resource.kind === 'ConfigMap').flatMap((resource) => resource.clusters);
    const complete = kit.members.every((member) => cells.some((cell) => cell.name === member && cell.propagation === 'ClusterPropagationOK'));
    return complete ? found : undefined;
  }, { timeoutMs: 60_000, pollMs: 500 });
}

async function cleanCoordination(instance: string): Promise<void> {
  const client = kit.observer.get(coordination);
  for (const lease of await leases(instance)) await client.delete({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: lease.name }).catch(() => undefined);
  const statuses = await client.list('v1', 'ConfigMap', { namespace, labelSelector: `${instanceAnnotation}=${instance}` });
  for (const status of statuses) await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: status.metadata.name }).catch(() => undefined);
}

/** A TCP relay to the coordination member's API server that the test can cut (connections refused) and restore. */
async function startRelay(target: URL): Promise<{ port: number; down(): Promise<void>; up(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let port = 0;
  let server = createServer();
  const listen = async () => {
    server = createServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const end of [socket, upstream]) {
        sockets.add(end);
        end.on('close', () => sockets.delete(end));
        end.on('error', () => undefined);
      }
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  await listen();
  const down = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { port, down, up: listen };
}

/** The lab kubeconfig plus a context `coordination` reaching member1 through the relay. */
async function kubeconfigThrough(port: number): Promise<string> {
  type Named = { name: string; [key: string]: unknown };
  const config = parse(await readFile(lab.kubeconfig, 'utf8')) as { clusters: (Named & { cluster: { server: string } })[]; contexts: (Named & { context: { cluster: string; user: string } })[] };
  const cluster = config.clusters.find((c) => c.name === config.contexts.find((c) => c.name === coordination)!.context.cluster)!;
  const user = config.contexts.find((c) => c.name === coordination)!.context.user;
  config.clusters.push({ name: 'coordination', cluster: { ...cluster.cluster, server: `https://127.0.0.1:${port}` } });
  config.contexts.push({ name: 'coordination', context: { cluster: 'coordination', user } });
  const file = join(await tempDir('kubeconfig'), 'kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

const owned = async (replica: Replica) => Number(/^gitfed_members_owned (\d+)/m.exec(await (await fetch(`${replica.url}/metrics`)).text())?.[1] ?? NaN);

/**
 * Waits until the running replicas' Leases claim every member once, each by the replica the assignment gives it
 * to (covering every member once is not enough: a handoff may still be under way). Expired Leases of replicas
 * that are gone do not count.
 */
async function settledClaims(s: DaemonScenario, running: readonly Replica[], what: string): Promise<LeaseRecord[]> {
  const ids = running.map((r) => r.id);
  return waitFor(what, async () => {
    const found = (await leases(s.instance)).filter((lease) => lease.role === 'replica' && ids.includes(lease.holder));
    const claims = found.flatMap((lease) => lease.claims);
    const complete = claims.length === kit.members.length && new Set(claims).size === kit.members.length;
    const settled = kit.members.every((member) => found.find((lease) => lease.claims.includes(member))?.holder === ownerOf(member, ids));
    return found.map((l) => l.holder).sort().join() === [...ids].sort().join() && complete && settled ? found : undefined;
  }, { timeoutMs: 40_000, pollMs: 300 });
}

/** Members each replica wrote to between two /metrics readings, checked against the claims: one writer each. */
async function expectOneWriterEach(running: readonly Replica[], before: Record<string, number>[], claims: readonly LeaseRecord[]): Promise<void> {
  const after = await Promise.all(running.map(writesOf));
  for (const member of kit.members) {
    const writers = running.filter((_, i) => (after[i]![member] ?? 0) > (before[i]![member] ?? 0)).map((r) => r.id);
    const claimant = claims.find((lease) => lease.claims.includes(member))!.holder;
    expect(writers, `${member} written by`).toEqual([claimant]);
  }
}

/** A non-leader among `replicas`, one that owns members when there is one. */
function ownerNotLeading(replicas: readonly Replica[], claims: readonly LeaseRecord[], leader: string): Replica {
  const others = replicas.filter((r) => r.id !== leader);
  return others.find((r) => claims.some((lease) => lease.holder === r.id && lease.claims.length > 0)) ?? others[0]!;
}

async function push(s: DaemonScenario, to: Replica, value: string): Promise<string> {
  const revision = await s.human.revision(s.manifests({ settings: { v: value } }), `human: v${value}`);
  // One webhook, to one replica (a Service sends it to one pod): the others hear of the push through its Lease.
  expect(await postWebhook(to.url, { secret: to.secret, after: revision })).toMatchObject({ status: 202 });
  return revision;
}

const onEveryMember = (s: DaemonScenario, value: string, timeoutMs: number) =>
  waitFor(`v${value} on every member`, async () => ((await everyMemberHas(s, value)) ? true : undefined), { timeoutMs, pollMs: 200 });

async function statusOwners(instance: string): Promise<string[]> {
  const objects = await kit.observer.get(coordination).list('v1', 'ConfigMap', { namespace, labelSelector: `${instanceAnnotation}=${instance},${memberStatusLabel}=true` });
  return [...new Set(objects.map((object) => object.metadata.labels?.[statusReplicaLabel] ?? ''))].sort();
}

describe('gitfed run replicas sharing five members through Leases', () => {
  it('apply each member from exactly one replica; survive kill -9; scale 3 → 2 → 4; hand off on SIGTERM with a push under way; the leader alone commits complete reports', async () => {
    await ensureNamespace();
    const s = await kit.scenario('replicas');
    kit.defer(() => cleanCoordination(s.instance));
    const members = kit.members;
    expect(members).toHaveLength(5);
    const v1 = await s.human.revision(s.manifests({ settings: { v: '1' } }), 'human: v1');
    const replicas = await Promise.all(['r-a', 'r-b', 'r-c'].map((id) => startReplica(s, id)));

    // Every member applied, the report complete, each replica ready.
    await onEveryMember(s, '1', 90_000);
    await reportFor(s, v1);
    await waitFor('every replica ready', async () => ((await Promise.all(replicas.map(readyz))).every((code) => code === 200) ? true : undefined), { timeoutMs: 30_000 });

    // Leases: three replica Leases whose claims split the members, one leader.
    const steady = await settledClaims(s, replicas, 'claims of 3 replicas covering every member once');
    for (const lease of steady) expect(lease.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const leaderLease = (await leases(s.instance)).find((lease) => lease.role === 'leader');
    const leader = leaderLease!.holder;
    expect(['r-a', 'r-b', 'r-c']).toContain(leader);

    // Writes per replica for a push once the claims settled: each member written by exactly the replica claiming it.
    const base = await Promise.all(replicas.map(writesOf));
    const v1b = await push(s, replicas.find((r) => r.id !== leader)!, '1b');
    await onEveryMember(s, '1b', 30_000);
    await reportFor(s, v1b);
    await expectOneWriterEach(replicas, base, steady);

    // 3 → 2 by kill -9 of a replica that owns members and does not lead: its members are taken over, and a push
    // made right after reaches every member within a Lease duration plus a reconcile.
    const victim = ownerNotLeading(replicas, steady, leader);
    await victim.process.kill();
    const killedAt = Date.now();
    const pair = replicas.filter((r) => r !== victim);
    const v2 = await push(s, pair.find((r) => r.id !== leader)!, '2');
    await onEveryMember(s, '2', 45_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after kill -9 of ${victim.id}: push applied on every member ${takeoverMs} ms after the kill`);
    expect(takeoverMs).toBeLessThan(15_000 + 15_000);
    await reportFor(s, v2);
    await settledClaims(s, pair, 'claims of the 2 survivors covering every member once');
    console.log('scaled 3 → 2; starting two more replicas');

    // 2 → 4: two replicas join; every member is claimed once by its assigned replica, and a push told to a
    // newcomer only is applied everywhere, each member written by its claimant alone.
    const joined = await Promise.all(['r-d', 'r-e'].map((id) => startReplica(s, id)));
    const four = [...pair, ...joined];
    const spread = await settledClaims(s, four, 'claims of 4 replicas covering every member once');
    const before = await Promise.all(four.map(writesOf));
    const v3 = await push(s, joined[0]!, '3');
    await onEveryMember(s, '3', 30_000);
    await reportFor(s, v3);
    await expectOneWriterEach(four, before, spread);

    // 4 → 3 by SIGTERM, with a push made while the handoff is under way: the Lease is released at once, its members
    // are claimed by their new owners in under 5 s, and the push reaches every member.
    const leaving = ownerNotLeading(four, spread, leader);
    const three = four.filter((r) => r !== leaving);
    const signalledAt = Date.now();
    const exiting = leaving.process.signal('SIGTERM', 30_000);
    const v4 = await push(s, three.find((r) => r.id !== leader)!, '4');
    await settledClaims(s, three, 'claims of 3 replicas after the SIGTERM');
    const handoffMs = Date.now() - signalledAt;
    console.log(`handoff after SIGTERM of ${leaving.id}: every member claimed by its new owner ${handoffMs} ms after the signal`);
    expect(await exiting).toEqual({ code: 0, signal: null });
    expect(handoffMs).toBeLessThan(5_000);
    await onEveryMember(s, '4', 30_000);
    const final = await reportFor(s, v4);
    expect(final.report.clusters.map((c) => c.name)).toEqual([...members].sort());

    // What the killed replica left (its expired Lease, its status) is deleted by the leader once gone long enough;
    // the running replicas' stay.
    await waitFor(`${victim.id}'s Lease and status deleted`, async () => {
      const holders = (await leases(s.instance)).map((lease) => lease.holder);
      return !holders.includes(victim.id) && !(await statusOwners(s.instance)).includes(victim.id) ? true : undefined;
    }, { timeoutMs: 40_000, pollMs: 500 });
    expect((await leases(s.instance)).filter((lease) => lease.role === 'replica').map((lease) => lease.holder).sort()).toEqual(three.map((r) => r.id).sort());

    // One report writer: only the leader ever committed, and every report commit lists every member as applied.
    expect(replicas.concat(joined).filter((r) => commitLines(r).length > 0).map((r) => r.id)).toEqual([leader]);
    const reportCommits = (await bareGit(s.bare, 'log', '--format=%H %s', 'main')).split('\n').filter((line) => line.includes('gitfed: status report'));
    expect(reportCommits.length).toBeGreaterThan(0);
    for (const line of reportCommits) {
      const report = parse(await bareGit(s.bare, 'show', `${line.split(' ')[0]}:status/report.yaml`)) as StatusReport;
      const placed = new Set(report.resources.filter((r) => r.kind === 'ConfigMap').flatMap((r) => r.clusters.filter((c) => c.propagation === 'ClusterPropagationOK').map((c) => c.name)));
      expect([...placed].sort(), line).toEqual([...members].sort());
    }
  }, 480_000); // five replica processes start and stop on a shared 2-core machine

  it('stop writing to members and say not-ready within the Lease duration while the coordination cluster is away', async () => {
    await ensureNamespace();
    const s = await kit.scenario('coord-down');
    kit.defer(() => cleanCoordination(s.instance));
    const relay = await startRelay(new URL(lab.members.find((m) => m.name === coordination)!.server));
    kit.defer(() => relay.down());
    const kubeconfig = await kubeconfigThrough(relay.port);
    await s.human.revision(s.manifests({ settings: { v: '1' } }), 'human: v1');
    const replicas = await Promise.all(['r-a', 'r-b'].map((id) => startReplica(s, id, ['--kubeconfig', kubeconfig, '--coordination-context', 'coordination'])));
    await waitFor('v1 on every member', async () => ((await everyMemberHas(s, '1')) ? true : undefined), { timeoutMs: 60_000, pollMs: 300 });
    await waitFor('both replicas ready', async () => ((await Promise.all(replicas.map(readyz))).every((code) => code === 200) ? true : undefined), { timeoutMs: 30_000 });

    await relay.down();
    const downAt = Date.now();
    await waitFor('both replicas not ready', async () => ((await Promise.all(replicas.map(readyz))).every((code) => code === 503) ? true : undefined), { timeoutMs: 20_000, pollMs: 200 });
    const unreadyMs = Date.now() - downAt;
    console.log(`coordination cluster away: both replicas not-ready and writing nothing ${unreadyMs} ms later`);
    expect(unreadyMs).toBeLessThan(15_000);
    await waitFor('gitfed_members_owned 0 on both', async () => ((await Promise.all(replicas.map(owned))).every((n) => n === 0) ? true : undefined), { timeoutMs: 8_000, pollMs: 200 });

    // A push while the Leases cannot be renewed is not written anywhere (no stale view applies it)...
    const writesBefore = await Promise.all(replicas.map(writesOf));
    const v2 = await s.human.revision(s.manifests({ settings: { v: '2' } }), 'human: v2');
    for (const r of replicas) expect(await postWebhook(r.url, { secret: r.secret, after: v2 })).toMatchObject({ status: 202 });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await everyMemberHas(s, '1')).toBe(true);
    expect(await Promise.all(replicas.map(writesOf))).toEqual(writesBefore);

    // ...and is applied once the coordination cluster is back.
    await relay.up();
    await waitFor('v2 on every member after the coordination cluster returned', async () => ((await everyMemberHas(s, '2')) ? true : undefined), { timeoutMs: 40_000, pollMs: 300 });
    await waitFor('both replicas ready again', async () => ((await Promise.all(replicas.map(readyz))).every((code) => code === 200) ? true : undefined), { timeoutMs: 30_000 });
  });
});
