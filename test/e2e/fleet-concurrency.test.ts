/**
 * Bounded, fair concurrency across a fleet of at least 8 real members (issue 11): the requests in flight across
 * every member never exceed the shared bound, counted where the clients send them; and a member that accepts
 * connections but never answers does not hold up the others beyond the request deadline. The suite's lab is used
 * when it has 8 members or more (e.g. GITFED_E2E_LAB_DIR naming `gitfed lab up --profile api --members 8`);
 * otherwise the file starts an api-profile lab of 8 members of its own in a temp dir, and stops it at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetLimits } from '../../src/cluster/fleet-limits.ts';
import { labPaths, startLab, stopLab, type LabInfo } from '../../src/lab/index.ts';
import { managedLabel } from '../../src/model/marks.ts';
import { applyRepo, federatedConfigMap, federatedNamespace, kubeFedClusters, observeMembers, quietLogger, tempRepo, yamlOf, type TempRepo } from '../support/e2e-repo.ts';
import { jsonOf, killAll, runGitfed, type ApplyJson } from '../support/gitfed-process.ts';
import { kubeconfigWith, silentServer } from '../support/silent-member.ts';
import { uniqueName, useLab } from './lab-context.ts';

const fleetSize = 8;
const suiteLab = useLab();
let fleet: LabInfo;
let ownLabDir: string | undefined;

beforeAll(async () => {
  if (suiteLab.members.length >= fleetSize) {
    fleet = suiteLab;
    return;
  }
  ownLabDir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-fleet-lab-'));
  // `profile` is the lab's api profile: a kube-apiserver per member over one etcd, no controllers.
  const { info } = await startLab({ dir: ownLabDir, members: fleetSize, profile: 'api' }, { env: process.env, logger: quietLogger });
  fleet = info;
}, 600_000);

afterAll(async () => {
  await killAll();
  if (ownLabDir) {
    await stopLab(labPaths(ownLabDir).dir);
    await rm(ownLabDir, { recursive: true, force: true });
  }
}, 120_000);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 300_000);

/** A repository placing `count` ConfigMaps in one new namespace on `clusters`; removed from the members afterwards. */
async function scenario(prefix: string, clusters: readonly string[], count: number) {
  const namespace = uniqueName(`e2e-${prefix}`);
  const instance = uniqueName(prefix);
  const repo: TempRepo = await tempRepo();
  const names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
  await repo.write({
    'clusters.yaml': kubeFedClusters(clusters),
    'app.yaml': yamlOf(federatedNamespace(namespace), ...names.map((name) => federatedConfigMap({ name, namespace, data: { value: name } }))),
  });
  cleanups.push(async () => {
    // gitfed prunes what it made (the api profile has no namespace controller to empty a deleted Namespace).
    await repo.write({ 'clusters.yaml': kubeFedClusters(clusters) });
    await applyRepo(repo.dir, { instance, kubeconfig: fleet.kubeconfig, allowMassDeletion: true });
    await repo.remove();
  });
  return { namespace, instance, names, repo };
}

/** Every member's ConfigMaps of the namespace managed by gitfed, read from the members themselves. */
async function managedIn(members: readonly string[], namespace: string): Promise<Map<string, string[]>> {
  const registry = await observeMembers(fleet.kubeconfig, members);
  try {
    const found = new Map<string, string[]>();
    for (const member of members) {
      const client = registry.get(member);
      if (!client) throw new Error(`no client for ${member}`);
      const listed = await client.list('v1', 'ConfigMap', { namespace, labelSelector: `${managedLabel}=true` });
      found.set(member, listed.map((cm) => cm.metadata.name).sort());
    }
    return found;
  } finally {
    await registry.close();
  }
}

describe('the global bound on requests in flight', () => {
  it('holds across 8 members, counted where the clients send, and each member keeps to its share', async () => {
    const members = fleet.members.slice(0, fleetSize).map((m) => m.name);
    const s = await scenario('bound', members, 120);
    const limits = createFleetLimits({ maxInFlight: 6, memberInFlight: 4 });

    const run = await applyRepo(s.repo.dir, { instance: s.instance, kubeconfig: fleet.kubeconfig, client: { fleet: limits } });

    for (const member of members) {
      const changes = run.report.clusters[member]?.changes ?? [];
      expect(changes.length, member).toBe(s.names.length + 1);
      expect(changes.filter((c) => c.propagation !== 'ClusterPropagationOK'), member).toEqual([]);
    }
    // 8 members each wanting 4 at once: the fleet's 6 slots are all used, never more.
    expect(limits.gauge.total()).toEqual({ now: 0, peak: 6 });
    const perMember = [...limits.gauge.byMember()];
    expect(perMember.map(([member]) => member).sort()).toEqual([...members].sort());
    for (const [member, count] of perMember) expect(count.peak, member).toBeLessThanOrEqual(3);
    for (const [member, names] of await managedIn(members, s.namespace)) expect(names, member).toEqual(s.names);
  });
});

describe('the per-member rate (--member-qps)', () => {
  it('sends no member more than its requests a second after a burst of twice that, and applies everything', async () => {
    const members = fleet.members.slice(0, 2).map((m) => m.name);
    const s = await scenario('qps', members, 40);
    const qps = 5;
    const exit = await runGitfed(['apply', '--repo', s.repo.dir, '--kubeconfig', fleet.kubeconfig, '--instance', s.instance, '--member-qps', String(qps), '-o', 'json'], { timeoutMs: 180_000 });

    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    const json = jsonOf(exit);
    for (const member of members) expectFullyApplied(json, member, s.names.length + 1);
    // 41 writes per member (besides its reads), the first 2 × qps of them banked: the apply cannot end sooner
    // (unthrottled, these two members take about a second).
    const writes = s.names.length + 1;
    expect(exit.ms).toBeGreaterThanOrEqual(((writes - 2 * qps) / qps) * 1000);
    for (const [member, names] of await managedIn(members, s.namespace)) expect(names, member).toEqual(s.names);
  });
});

describe('a member that accepts connections but never answers', () => {
  it('does not delay the 8 others beyond the request deadline: the apply ends within it of the same apply without that member', async () => {
    const members = fleet.members.slice(0, fleetSize).map((m) => m.name);
    const silent = await silentServer();
    cleanups.push(silent.close);
    const kubeconfig = await kubeconfigWith(fleet.kubeconfig, { name: 'silent-member', server: `https://127.0.0.1:${silent.port}`, like: members[0]! }, cleanups);
    const flags = ['--request-timeout', '4s', '--max-requests-in-flight', '16', '--member-requests-in-flight', '4', '-o', 'json'];
    const alone = await scenario('alone', members, 60);
    const withSilent = await scenario('silent', [...members, 'silent-member'], 60);

    const reference = await runGitfed(['apply', '--repo', alone.repo.dir, '--kubeconfig', kubeconfig, '--instance', alone.instance, ...flags], { timeoutMs: 180_000 });
    expect(reference.code, reference.stderr.slice(-2000)).toBe(0);
    const exit = await runGitfed(['apply', '--repo', withSilent.repo.dir, '--kubeconfig', kubeconfig, '--instance', withSilent.instance, ...flags], { timeoutMs: 180_000 });

    expect(exit.code, exit.stderr.slice(-2000)).toBe(1);
    const json = jsonOf(exit);
    for (const member of members) expectFullyApplied(json, member, withSilent.names.length + 1);
    const away = json.clusters['silent-member'];
    expect(away?.reachable).toBe(false);
    expect(away?.failures?.map((f) => f.stage)).toEqual(['ClusterNotReady']);
    // The silent member costs its probe's deadline (3 s, under the 4 s request deadline), not a stall of the others:
    // a stall costs a deadline per slot-full of its queued requests (61 objects over 4 slots: about 60 s). The two
    // runs are separate processes on a shared machine, so 5 s of the bound is for their start-up and scheduling.
    expect(exit.ms - reference.ms).toBeLessThan(4_000 + 3_000 + 5_000);
    for (const [member, names] of await managedIn(members, withSilent.namespace)) expect(names, member).toEqual(withSilent.names);
  });
});

function expectFullyApplied(json: ApplyJson, member: string, objects: number): void {
  const result = json.clusters[member];
  expect(result?.reachable, member).toBe(true);
  expect(result?.changes.length, member).toBe(objects);
  expect(result?.changes.filter((c) => c.propagation !== 'ClusterPropagationOK'), member).toEqual([]);
}
