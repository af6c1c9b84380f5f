/**
 * `gitfed apply` as a real process when a member goes away: member2's real kube-apiserver is stopped mid-apply
 * (the lab's stopMemberApiserver), and a fourth member accepts TCP connections but never answers. In both cases
 * the process ends within a bound that follows from --request-timeout, exits 1, reports that member as not
 * reachable, and the other members get everything; once member2 is back, the next apply completes it.
 * member2 is always started again (finally and afterAll), so later test files still see three members.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startMemberApiserver, stopMemberApiserver } from '../../src/lab/index.ts';
import { managedLabel } from '../../src/model/marks.ts';
import { federatedConfigMap, federatedNamespace, kubeFedClusters, tempRepo, yamlOf, type TempRepo } from '../support/e2e-repo.ts';
import { exitWithin, jsonOf, killAll, runGitfed, startGitfed, type ApplyJson } from '../support/gitfed-process.ts';
import { liveNames, removeFromMembers } from '../support/member-reads.ts';
import { kubeconfigWith, silentServer, type Kubeconfig } from '../support/silent-member.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((m) => m.name);
const [m1, m2, m3] = members as [string, string, string];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await killAll();
  await startMemberApiserver(lab.dir, m2);
});

async function scenario(prefix: string, clusters: readonly string[], configMapCount: number) {
  const namespace = uniqueName(`e2e-${prefix}`);
  const instance = uniqueName(prefix);
  const repo: TempRepo = await tempRepo();
  cleanups.push(async () => {
    await removeFromMembers(lab, { namespaces: [namespace], instances: [instance] });
    await repo.remove();
  });
  const names = Array.from({ length: configMapCount }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
  await repo.write({
    'clusters.yaml': kubeFedClusters(clusters),
    'app.yaml': yamlOf(federatedNamespace(namespace), ...names.map((name) => federatedConfigMap({ name, namespace, data: { value: name } }))),
  });
  const applyArgs = (kubeconfig: string, ...flags: string[]) => ['apply', '--repo', repo.dir, '--kubeconfig', kubeconfig, '--instance', instance, ...flags];
  const managedIn = (member: string, timeoutMs?: number) =>
    liveNames(lab, member, { apiVersion: 'v1', kind: 'ConfigMap', namespace, labelSelector: `${managedLabel}=true` }, timeoutMs);
  return { namespace, instance, names, applyArgs, managedIn };
}

/** Every change of a reachable member went through. */
function expectFullyApplied(json: ApplyJson, member: string, objects: number): void {
  const result = json.clusters[member];
  expect(result?.reachable, member).toBe(true);
  expect(result?.changes.length, member).toBe(objects);
  expect(result?.changes.filter((c) => c.propagation !== 'ClusterPropagationOK'), member).toEqual([]);
}

/** Reported as not reachable, its remaining objects ClusterNotReady. */
function expectNotReachable(json: ApplyJson, member: string): void {
  const result = json.clusters[member];
  expect(result, `${member} is in the report`).toBeDefined();
  expect(result?.reachable, member).toBe(false);
  const notReady = result?.changes.filter((c) => c.propagation === 'ClusterNotReady') ?? [];
  expect(notReady.length, `${member} has ClusterNotReady changes`).toBeGreaterThan(0);
}

describe('a member lost mid-apply', () => {
  it('ends within the request-timeout bound with exit 1, member1 and member3 complete, member2 not reachable; the next apply completes member2', async () => {
    const s = await scenario('lost', members, 800);
    const objects = s.names.length + 1;
    const reportedInM2: string[] = [];
    const apply = startGitfed(s.applyArgs(lab.kubeconfig, '--request-timeout', '5s', '-o', 'json'));
    try {
      // Stop member2's kube-apiserver as soon as it has received some of the ConfigMaps.
      const deadline = Date.now() + 120_000;
      let seen = 0;
      while (seen === 0) {
        if (apply.child.exitCode !== null) throw new Error(`gitfed apply ended before member2 received anything:\n${apply.stderr().slice(-2000)}`);
        if (Date.now() > deadline) throw new Error('member2 received no ConfigMap within 120 s');
        seen = (await s.managedIn(m2, 2_000).catch(() => [])).length;
        if (seen === 0) await sleep(50);
      }
      const stoppedAt = Date.now();
      await stopMemberApiserver(lab.dir, m2, { graceMs: 0 });

      // A request in flight when the member went away ends at the latest after --request-timeout (5 s), and a
      // retry or the next request finds the port closed at once: 60 s is a generous bound.
      const exit = await exitWithin(apply, 90_000);
      expect(Date.now() - stoppedAt).toBeLessThan(60_000);
      expect(exit.code, exit.stderr.slice(-2000)).toBe(1);
      const json = jsonOf(exit);
      expectFullyApplied(json, m1, objects);
      expectFullyApplied(json, m3, objects);
      expectNotReachable(json, m2);
      for (const c of json.clusters[m2]?.changes ?? []) if (c.propagation === 'ClusterPropagationOK' && c.id.startsWith('ConfigMap/')) reportedInM2.push(c.id);
      expect(await s.managedIn(m1)).toEqual(s.names);
      expect(await s.managedIn(m3)).toEqual(s.names);
    } finally {
      await startMemberApiserver(lab.dir, m2);
    }
    // The stop came mid-apply: member2 holds some of the ConfigMaps, not all (else this test proved nothing).
    const partial = await s.managedIn(m2);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(s.names.length);
    // What gitfed reports as applied there really is there (a write whose answer was lost with the member may be
    // there without being reported, never the other way round).
    expect(reportedInM2.length).toBeGreaterThan(0);
    expect(partial).toEqual(expect.arrayContaining(reportedInM2.map((id) => id.split('/')[2])));

    const second = await runGitfed(s.applyArgs(lab.kubeconfig, '--request-timeout', '5s', '-o', 'json'), { timeoutMs: 180_000 });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expectFullyApplied(jsonOf(second), m2, objects);
    expect(await s.managedIn(m2)).toEqual(s.names);
  });
});

/**
 * A TCP proxy to a real member that can start hanging: from hang() on, bytes stop flowing both ways on every
 * connection (open ones stay open) and new connections are accepted but never forwarded — a member whose
 * apiserver accepted gitfed's connection and then stopped answering in the middle of an apply.
 */
async function hangingProxy(target: URL): Promise<{ port: number; hang: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let hung = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    if (hung) return;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => sockets.delete(upstream));
    const forward = (from: Socket, to: Socket) => from.on('data', (chunk: Buffer) => (hung ? undefined : to.write(chunk)));
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    hang: () => (hung = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The lab kubeconfig with member `name` reached at `server` instead; in a temp dir of its own. */
async function kubeconfigRerouting(name: string, server: string): Promise<string> {
  const config = parse(await readFile(lab.kubeconfig, 'utf8')) as Kubeconfig;
  const cluster = config.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`${lab.kubeconfig} has no cluster ${name}`);
  cluster.cluster = { ...cluster.cluster, server };
  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-kubeconfig-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

describe('a member that accepts connections but never answers', () => {
  it('is reported not reachable within the request-timeout bound (exit 1) while member1–3 get everything', async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const kubeconfig = await kubeconfigWith(lab.kubeconfig, { name: 'member4', server: `https://127.0.0.1:${silent.port}`, like: m1 }, cleanups);
    const s = await scenario('silent', [...members, 'member4'], 5);
    const objects = s.names.length + 1;

    const exit = await runGitfed(s.applyArgs(kubeconfig, '--request-timeout', '3s', '-o', 'json'), { timeoutMs: 90_000 });

    // Every request to member4 ends after 3 s; a few of them (probe, retries) still fit well within 30 s.
    expect(exit.ms).toBeLessThan(30_000);
    expect(exit.code, exit.stderr.slice(-2000)).toBe(1);
    const json = jsonOf(exit);
    for (const member of members) {
      expectFullyApplied(json, member, objects);
      expect(await s.managedIn(member), member).toEqual(s.names);
    }
    expectNotReachable(json, 'member4');
  });
});

describe('a member that stops answering in the middle of an apply', () => {
  it('ends within the request-timeout bound with exit 1, the others complete, and the next apply completes it', async () => {
    const member3 = lab.members.find((member) => member.name === m3);
    if (!member3) throw new Error(`the lab has no ${m3}`);
    const proxy = await hangingProxy(new URL(member3.server));
    cleanups.push(proxy.close);
    const kubeconfig = await kubeconfigRerouting(m3, `https://127.0.0.1:${proxy.port}`);
    const s = await scenario('hung', members, 600);
    const objects = s.names.length + 1;

    const apply = startGitfed(s.applyArgs(kubeconfig, '--request-timeout', '3s', '-o', 'json'));
    const deadline = Date.now() + 120_000;
    while ((await s.managedIn(m3, 2_000).catch(() => [])).length === 0) {
      if (apply.child.exitCode !== null) throw new Error(`gitfed apply ended before ${m3} received anything:\n${apply.stderr().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${m3} received no ConfigMap within 120 s`);
      await sleep(50);
    }
    const hungAt = Date.now();
    proxy.hang();

    // Requests in flight end after 3 s, each retried at most 3 times with short backoff; then member3 is away
    // and the rest of its work is skipped: well under a minute.
    const exit = await exitWithin(apply, 120_000);
    expect(Date.now() - hungAt).toBeLessThan(60_000);
    expect(exit.code, exit.stderr.slice(-2000)).toBe(1);
    const json = jsonOf(exit);
    expectFullyApplied(json, m1, objects);
    expectFullyApplied(json, m2, objects);
    expectNotReachable(json, m3);
    expect(json.clusters[m3]?.changes.some((c) => /did not answer .* within 3000 ms/.test(c.message ?? ''))).toBe(true);
    const partial = await s.managedIn(m3);
    expect(partial.length).toBeLessThan(s.names.length);

    const second = await runGitfed(s.applyArgs(lab.kubeconfig, '--request-timeout', '5s', '-o', 'json'), { timeoutMs: 180_000 });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expectFullyApplied(jsonOf(second), m3, objects);
    expect(await s.managedIn(m3)).toEqual(s.names);
  });
});
