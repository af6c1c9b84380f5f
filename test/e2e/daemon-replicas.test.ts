/**
 * Three `gitfed run` processes sharing the lab's members through Leases on member1 (the coordination cluster,
 * also a member), checked from outside: the members' objects, the Leases, each process's /metrics (writes it
 * sent per member) and log lines, and the Git branch. The issue asks for 5 members; the lab has 3 real
 * kube-apiservers, and this test uses those (no member is faked).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/coordination/assign-members.ts';
import { leaseRecordOf } from '../../src/coordination/lease-store.ts';
import type { LeaseRecord } from '../../src/coordination/lease-ownership.ts';
import { instanceAnnotation } from '../../src/model/marks.ts';
import { parse, stringify } from 'yaml';
import type { StatusReport } from '../../src/report/build-report.ts';
import { bareGit, daemonKit, postWebhook, startRunProcess, tempDir, waitFor, type DaemonScenario } from '../support/daemon-kit.ts';
import type { DaemonProcess } from '../support/gitfed-daemon-process.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const coordination = 'member1';
const namespace = 'gitfed-system';

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
  const { process: process_, secret } = await startRunProcess(s, lab, `replica-${id}`, ['--coordination-context', coordination, '--replica-id', id, ...extra]);
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

describe('gitfed run replicas sharing the members through Leases', () => {
  it('apply each member from exactly one replica, take over after kill -9, hand off on SIGTERM, and the leader alone commits complete reports', async () => {
    await ensureNamespace();
    const s = await kit.scenario('replicas');
    kit.defer(() => cleanCoordination(s.instance));
    const members = kit.members;
    expect(members.length).toBeGreaterThan(1);
    const v1 = await s.human.revision(s.manifests({ settings: { v: '1' } }), 'human: v1');
    const replicas = await Promise.all(['r-a', 'r-b', 'r-c'].map((id) => startReplica(s, id)));

    // Every member applied, the report complete, each replica ready.
    await waitFor('v1 on every member', async () => ((await everyMemberHas(s, '1')) ? true : undefined), { timeoutMs: 60_000, pollMs: 300 });
    await reportFor(s, v1);
    await waitFor('every replica ready', async () => ((await Promise.all(replicas.map(readyz))).every((code) => code === 200) ? true : undefined), { timeoutMs: 30_000 });

    // Leases: three replica Leases whose claims split the members, one leader.
    const steady = await waitFor('claims covering every member once', async () => {
      const found = await leases(s.instance);
      const claims = found.filter((lease) => lease.role === 'replica').flatMap((lease) => lease.claims);
      return claims.length === members.length && new Set(claims).size === members.length ? found : undefined;
    }, { timeoutMs: 30_000, pollMs: 300 });
    expect(steady.filter((lease) => lease.role === 'replica').map((lease) => lease.holder).sort()).toEqual(['r-a', 'r-b', 'r-c']);
    for (const lease of steady) expect(lease.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const leader = steady.find((lease) => lease.role === 'leader')!.holder;
    expect(['r-a', 'r-b', 'r-c']).toContain(leader);

    // Writes per replica for a push once the claims settled (while replicas start, a member may move after its
    // first owner wrote it): each member is written by exactly one replica, the one claiming it.
    const base = await Promise.all(replicas.map(writesOf));
    const v1b = await s.human.revision(s.manifests({ settings: { v: '1b' } }), 'human: v1b');
    const first = replicas.find((r) => r.id !== leader)!;
    expect(await postWebhook(first.url, { secret: first.secret, after: v1b })).toMatchObject({ status: 202 });
    await waitFor('v1b on every member', async () => ((await everyMemberHas(s, '1b')) ? true : undefined), { timeoutMs: 30_000, pollMs: 200 });
    await reportFor(s, v1b);
    const writes = await Promise.all(replicas.map(writesOf));
    for (const member of members) {
      const writers = replicas.filter((_, i) => (writes[i]![member] ?? 0) > (base[i]![member] ?? 0)).map((r) => r.id);
      const claimant = steady.find((lease) => lease.role === 'replica' && lease.claims.includes(member))!.holder;
      expect(writers, `${member} written by`).toEqual([claimant]);
    }
    // The report was committed by the leader alone.
    expect(replicas.filter((r) => commitLines(r).length > 0).map((r) => r.id)).toEqual([leader]);

    // kill -9 of a replica that owns members and does not lead: its members are taken over, a push made right
    // after reaches every member within a Lease duration plus a reconcile.
    const owners = steady.filter((lease) => lease.role === 'replica' && lease.claims.length > 0 && lease.holder !== leader);
    const victim = replicas.find((r) => r.id === (owners[0]?.holder ?? steady.find((l) => l.role === 'replica' && l.holder !== leader)!.holder))!;
    await victim.process.kill();
    const killedAt = Date.now();
    const v2 = await s.human.revision(s.manifests({ settings: { v: '2' } }), 'human: v2');
    const survivors = replicas.filter((r) => r !== victim);
    // One webhook, to one replica (a Service sends it to one pod): the others hear of the push through its Lease.
    const told = survivors.find((r) => r.id !== leader)!;
    expect(await postWebhook(told.url, { secret: told.secret, after: v2 })).toMatchObject({ status: 202 });
    await waitFor('v2 on every member after kill -9', async () => ((await everyMemberHas(s, '2')) ? true : undefined), { timeoutMs: 45_000, pollMs: 200 });
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after kill -9 of ${victim.id}: push applied on every member ${takeoverMs} ms after the kill`);
    expect(takeoverMs).toBeLessThan(15_000 + 15_000);
    await reportFor(s, v2);

    // SIGTERM of another non-leader: its Lease is released at once, the last replica claims every member in < 5 s.
    const second = survivors.find((r) => r.id !== leader)!;
    const signalledAt = Date.now();
    const exit = await second.process.signal('SIGTERM', 30_000);
    await waitFor('the leader claiming every member', async () => {
      const found = await leases(s.instance);
      const mine = found.find((lease) => lease.role === 'replica' && lease.holder === leader);
      return mine && members.every((member) => mine.claims.includes(member)) && !found.some((l) => l.holder === second.id) ? true : undefined;
    }, { timeoutMs: 15_000, pollMs: 100 });
    const handoffMs = Date.now() - signalledAt;
    console.log(`handoff after SIGTERM of ${second.id}: every member claimed by ${leader} ${handoffMs} ms after the signal`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(handoffMs).toBeLessThan(5_000);

    const last = replicas.find((r) => r.id === leader)!;
    const v3 = await s.human.revision(s.manifests({ settings: { v: '3' } }), 'human: v3');
    expect(await postWebhook(last.url, { secret: last.secret, after: v3 })).toMatchObject({ status: 202 });
    await waitFor('v3 on every member from the last replica', async () => ((await everyMemberHas(s, '3')) ? true : undefined), { timeoutMs: 30_000, pollMs: 200 });
    const final = await reportFor(s, v3);
    expect(final.report.clusters.map((c) => c.name)).toEqual([...members].sort());

    // Scale 1 → 3: two replicas join; every member is claimed once, and a push told to a newcomer only is applied
    // everywhere, each member written by its claimant alone.
    const joined = await Promise.all(['r-d', 'r-e'].map((id) => startReplica(s, id)));
    const running = [last, ...joined];
    const spread = await waitFor('claims of 3 replicas covering every member once', async () => {
      // The killed replica's Lease stays (expired) until someone deletes it: count the running replicas'.
      const found = (await leases(s.instance)).filter((lease) => lease.role === 'replica' && running.some((r) => r.id === lease.holder));
      const claims = found.flatMap((lease) => lease.claims);
      const holders = found.map((lease) => lease.holder).sort();
      const complete = claims.length === members.length && new Set(claims).size === members.length;
      // Covering every member once is not enough: a handoff to a newcomer may still be under way. Settled means
      // each member claimed by the replica the assignment gives it to.
      const settled = members.every((member) => found.find((lease) => lease.claims.includes(member))?.holder === ownerOf(member, running.map((r) => r.id)));
      return holders.join() === running.map((r) => r.id).sort().join() && complete && settled ? found : undefined;
    }, { timeoutMs: 30_000, pollMs: 300 });
    const before = await Promise.all(running.map(writesOf));
    const v4 = await s.human.revision(s.manifests({ settings: { v: '4' } }), 'human: v4');
    expect(await postWebhook(joined[0]!.url, { secret: joined[0]!.secret, after: v4 })).toMatchObject({ status: 202 });
    await waitFor('v4 on every member after the join', async () => ((await everyMemberHas(s, '4')) ? true : undefined), { timeoutMs: 30_000, pollMs: 200 });
    await reportFor(s, v4);
    const after = await Promise.all(running.map(writesOf));
    for (const member of members) {
      const writers = running.filter((_, i) => (after[i]![member] ?? 0) > (before[i]![member] ?? 0)).map((r) => r.id);
      const claimant = spread.find((lease) => lease.claims.includes(member))!.holder;
      expect(writers, `${member} written by`).toEqual([claimant]);
    }

    // One report writer: only the leader ever committed, and no report commit on the branch lacks a member.
    expect(replicas.filter((r) => commitLines(r).length > 0).map((r) => r.id)).toEqual([leader]);
    expect(joined.filter((r) => commitLines(r).length > 0)).toEqual([]);
    const reportCommits = (await bareGit(s.bare, 'log', '--format=%H %s', 'main')).split('\n').filter((line) => line.includes('gitfed: status report'));
    expect(reportCommits.length).toBeGreaterThan(0);
    for (const line of reportCommits) {
      const report = parse(await bareGit(s.bare, 'show', `${line.split(' ')[0]}:status/report.yaml`)) as StatusReport;
      const placed = new Set(report.resources.filter((r) => r.kind === 'ConfigMap').flatMap((r) => r.clusters.filter((c) => c.propagation === 'ClusterPropagationOK').map((c) => c.name)));
      expect([...placed].sort(), line).toEqual([...members].sort());
    }
  });

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
