/**
 * Members from Cluster API (issue 13) against the lab: member1 is the management cluster, with CAPI's real
 * Cluster CRD (from its Go module, via lab/fetch-crds.sh); Clusters there point through their kubeconfig Secrets
 * at member2 and member3. The daemon runs in-process on a local directory (no KubeFedCluster in it) with
 * `membersFrom: capi`; each test has its own CAPI namespace, Cluster names, instance and workload namespace.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { MemberRegistry } from '../../src/cluster/member-registry.ts';
import { configSchema } from '../../src/daemon/config.ts';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run-daemon.ts';
import type { StatusReport } from '../../src/report/build-report.ts';
import { adminToken, capiNamespace, installCapiCrd, kubeconfigFor, type CapiNamespace } from '../support/capi-kit.ts';
import { capturingLogger, type LogLine } from '../support/daemon-kit.ts';
import { deleteInventory, federated, observeMembers, yamlOf } from '../support/e2e-repo.ts';
import { runCli } from '../support/run-cli.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const management = 'member1';
let registry: MemberRegistry;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  registry = await observeMembers(lab.kubeconfig, lab.members.map((m) => m.name));
  await installCapiCrd(registry.get(management));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  await registry?.close();
});

interface Scenario {
  capi: CapiNamespace;
  /** Workload namespace on the members, and the gitfed instance. */
  namespace: string;
  instance: string;
  dir: string;
  /** Writes the repository: a FederatedNamespace on every member, ConfigMap `settings` on those labelled tier=gold. */
  write(color: string): Promise<void>;
}

async function scenario(prefix: string): Promise<Scenario> {
  const capi = await capiNamespace(lab, registry, management, uniqueName(`e2e-capi-${prefix}`));
  const namespace = uniqueName(`e2e-capi-${prefix}`);
  const instance = uniqueName(`capi-${prefix}`);
  const dir = await mkdtemp(join(tmpdir(), `gitfed-e2e-capi-${prefix}-`));
  cleanups.push(async () => {
    await capi.remove();
    for (const member of ['member2', 'member3']) {
      await registry.get(member).delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
      await deleteInventory(registry.get(member), instance).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });
  return {
    capi,
    namespace,
    instance,
    dir,
    async write(color) {
      await writeFile(
        join(dir, 'manifests.yaml'),
        yamlOf(
          federated('Namespace', { name: namespace, namespace }, {}),
          {
            ...federated('ConfigMap', { name: 'settings', namespace }, { data: { color } }),
            spec: { template: { data: { color } }, placement: { clusterSelector: { matchLabels: { tier: 'gold' } } } },
          },
        ),
      );
    },
  };
}

interface Daemon extends RunningDaemon {
  logs: LogLine[];
  /** One reconcile now (the drift timer's), finished. */
  reconcile(): Promise<ReturnType<RunningDaemon['lastOutcome']>>;
  report(): Promise<StatusReport>;
}

async function startDaemon(s: Scenario): Promise<Daemon> {
  const { logger, lines } = capturingLogger();
  const daemon = await runDaemon(
    configSchema.parse({
      repo: s.dir,
      kubeconfig: lab.kubeconfig,
      instance: s.instance,
      listen: '127.0.0.1:0',
      interval: '1h',
      driftInterval: '1h',
      membersFrom: 'capi',
      managementContext: management,
      capiNamespace: s.capi.namespace,
    }),
    { logger },
  );
  cleanups.push(() => daemon.stop());
  await daemon.idle();
  return {
    ...daemon,
    logs: lines,
    async reconcile() {
      daemon.trigger('drift');
      await daemon.idle();
      return daemon.lastOutcome();
    },
    async report() {
      return parse(await readFile(join(s.dir, 'status', 'report.yaml'), 'utf8')) as StatusReport;
    },
  };
}

async function color(member: string, namespace: string): Promise<string | undefined> {
  const object = await registry.get(member).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' });
  return (object?.data as Record<string, string> | undefined)?.color;
}

async function hasNamespace(member: string, namespace: string): Promise<boolean> {
  return (await registry.get(member).get({ apiVersion: 'v1', kind: 'Namespace', name: namespace })) !== null;
}

describe('members from Cluster API: placement', () => {
  it('applies a repository without KubeFedClusters to the CAPI clusters by their labels, and says where each member came from', async () => {
    const s = await scenario('labels');
    const [east, west] = [uniqueName('east'), uniqueName('west')];
    await s.capi.addCluster(east, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab') });
    await s.capi.addCluster(west, { labels: { tier: 'silver' }, kubeconfig: await kubeconfigFor(lab, 'member3', 'lab') });
    await s.write('blue');
    const daemon = await startDaemon(s);

    expect(daemon.lastOutcome()).toMatchObject({ kind: 'applied' });
    expect(await color('member2', s.namespace)).toBe('blue');
    expect(await color('member3', s.namespace)).toBeUndefined();
    expect(await hasNamespace('member3', s.namespace)).toBe(true);

    const report = await daemon.report();
    const clusters = report.clusters.map(({ name, ready, source, capi }) => ({ name, ready, source, state: capi?.state }));
    expect(clusters).toEqual(
      [east, west].sort().map((name) => ({ name, ready: true, source: `capi/${s.capi.namespace}`, state: 'Ready' })),
    );
    const { values } = await daemon.metrics.discoveredMembers.get();
    expect(values).toEqual([{ labels: { source: `capi/${s.capi.namespace}`, state: 'Ready' }, value: 2 }]);
  });

  it('moves placement at the next reconcile when a Cluster’s labels change', async () => {
    const s = await scenario('relabel');
    const [east, west] = [uniqueName('east'), uniqueName('west')];
    await s.capi.addCluster(east, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab') });
    await s.capi.addCluster(west, { labels: { tier: 'silver' }, kubeconfig: await kubeconfigFor(lab, 'member3', 'lab') });
    await s.write('blue');
    const daemon = await startDaemon(s);
    expect([await color('member2', s.namespace), await color('member3', s.namespace)]).toEqual(['blue', undefined]);

    await s.capi.setLabels(east, { tier: 'silver' });
    await s.capi.setLabels(west, { tier: 'gold' });
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect([await color('member2', s.namespace), await color('member3', s.namespace)]).toEqual([undefined, 'blue']);
  });

  it('skips a Cluster whose control plane is not available, and a paused one, saying why; applies once CAPI says it is up', async () => {
    const s = await scenario('notready');
    const [north, south] = [uniqueName('north'), uniqueName('south')];
    await s.capi.addCluster(north, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member3', 'lab'), controlPlane: 'unavailable' });
    await s.capi.addCluster(south, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab'), paused: true });
    await s.write('blue');
    const daemon = await startDaemon(s);

    expect(await hasNamespace('member3', s.namespace)).toBe(false);
    expect(await hasNamespace('member2', s.namespace)).toBe(false);
    const held = (await daemon.report()).clusters.map(({ name, ready, message, capi }) => ({ name, ready, message, state: capi?.state }));
    expect(held).toEqual(
      [
        {
          name: north,
          ready: false,
          message: 'Cluster API NotReady: control plane not available: ControlPlaneAvailable is False (NotAvailable): waiting for control plane machines',
          state: 'NotReady',
        },
        { name: south, ready: false, message: 'Cluster API Paused: Cluster API has paused this cluster (spec.paused)', state: 'Paused' },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );

    await s.capi.setControlPlane(north, 'available');
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect(await color('member3', s.namespace)).toBe('blue');
    expect(await hasNamespace('member2', s.namespace)).toBe(false);
  });
});

describe('members from Cluster API: credentials', () => {
  it('follows a rotated kubeconfig Secret without a restart: an unusable one makes the member not ready, a new token is used at once', async () => {
    const s = await scenario('rotate');
    const target = registry.get('member2');
    const [first, second] = [await adminToken(target, uniqueName('gitfed-capi-a')), await adminToken(target, uniqueName('gitfed-capi-b'))];
    cleanups.push(() => first.revoke().catch(() => undefined), () => second.revoke().catch(() => undefined));
    const east = uniqueName('east');
    await s.capi.addCluster(east, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member2', { token: first.token }) });
    await s.write('blue');
    const daemon = await startDaemon(s);
    expect(await color('member2', s.namespace)).toBe('blue');

    // CAPI writes something unusable: the member is not ready with a message naming the Secret, the pass goes on.
    await s.capi.setKubeconfig(east, 'not: [a kubeconfig');
    await s.write('green');
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect(await color('member2', s.namespace)).toBe('blue');
    const notReady = (await daemon.report()).clusters.find((cluster) => cluster.name === east);
    expect(notReady).toMatchObject({ ready: false });
    expect(notReady?.message).toContain(`Secret ${s.capi.namespace}/${east}-kubeconfig: key "value" is not a valid kubeconfig`);

    // Rotated to a second token, and the first one revoked: only a client with the new credentials can write.
    await s.capi.setKubeconfig(east, await kubeconfigFor(lab, 'member2', { token: second.token }));
    await first.revoke();
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect(await color('member2', s.namespace)).toBe('green');
    expect((await daemon.report()).clusters.find((cluster) => cluster.name === east)).toMatchObject({ ready: true });

    const replaced = daemon.logs.filter((line) => line.msg === 'member credentials changed; clients replaced');
    expect(replaced.length).toBeGreaterThanOrEqual(2);
    const everything = JSON.stringify(daemon.logs) + (await readFile(join(s.dir, 'status', 'report.yaml'), 'utf8')) + (await readFile(join(s.dir, 'status', 'README.md'), 'utf8'));
    expect(everything).not.toContain(first.token);
    expect(everything).not.toContain(second.token);
  });
});

describe('members from Cluster API: leaving', () => {
  it('applies nothing to a Cluster being deleted and reports it; a deleted Cluster leaves its workloads in the member', async () => {
    const s = await scenario('delete');
    const east = uniqueName('east');
    await s.capi.addCluster(east, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab') });
    await s.write('blue');
    const daemon = await startDaemon(s);
    expect(await color('member2', s.namespace)).toBe('blue');

    await s.capi.holdDeletion(east);
    await s.capi.deleteCluster(east);
    await s.write('green');
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect(await color('member2', s.namespace)).toBe('blue');
    expect((await daemon.report()).clusters.find((cluster) => cluster.name === east)).toMatchObject({ ready: false, capi: { state: 'Deleting' } });

    await s.capi.releaseDeletion(east);
    expect(await registry.get(management).get({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: s.capi.namespace, name: east })).toBeNull();
    expect(await daemon.reconcile()).toMatchObject({ kind: 'applied' });
    expect((await daemon.report()).clusters.map((cluster) => cluster.name)).not.toContain(east);
    expect(await color('member2', s.namespace)).toBe('blue');
    expect(await hasNamespace('member2', s.namespace)).toBe(true);
  });
});

describe('gitfed clusters and the CLI', () => {
  it('refuses a name that Clusters in two namespaces use, naming both, and applies to neither', async () => {
    const [a, b] = [await scenario('collide-a'), await scenario('collide-b')];
    const dup = uniqueName('dup');
    const label = uniqueName('only');
    await a.capi.addCluster(dup, { labels: { tier: 'gold', e2e: label }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab') });
    await b.capi.addCluster(dup, { labels: { tier: 'gold', e2e: label }, kubeconfig: await kubeconfigFor(lab, 'member3', 'lab') });
    await writeFile(
      join(a.dir, 'manifests.yaml'),
      yamlOf({
        ...federated('Namespace', { name: a.namespace, namespace: a.namespace }, {}),
        spec: { template: {}, placement: { clusterSelector: { matchLabels: { e2e: label } } } },
      }),
    );
    const flags = ['--repo', a.dir, '--kubeconfig', lab.kubeconfig, '--members-from', 'capi', '--management-context', management];
    const where = [`${a.capi.namespace}/${dup}`, `${b.capi.namespace}/${dup}`].sort();
    const listed = await runCli('clusters', ...flags);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(`Cluster API clusters ${where[0]} and ${where[1]} have the same name; neither is used as member "${dup}"`);
    expect(listed.stdout).not.toContain(dup);

    const applied = await runCli('apply', ...flags, '--instance', a.instance);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('MemberNameCollision');
    expect(await hasNamespace('member2', a.namespace)).toBe(false);
    expect(await hasNamespace('member3', a.namespace)).toBe(false);
  });

  it('`gitfed clusters -o yaml` prints what placement uses, and --write makes an offline render place the same way', async () => {
    const s = await scenario('list');
    const [east, north] = [uniqueName('east'), uniqueName('north')];
    await s.capi.addCluster(east, { labels: { tier: 'gold', region: 'eu' }, kubeconfig: await kubeconfigFor(lab, 'member2', 'lab') });
    await s.capi.addCluster(north, { labels: { tier: 'gold' }, kubeconfig: await kubeconfigFor(lab, 'member3', 'lab'), controlPlane: 'unavailable' });
    await s.write('blue');
    const flags = ['--repo', s.dir, '--kubeconfig', lab.kubeconfig, '--members-from', 'capi', '--management-context', management, '--capi-namespace', s.capi.namespace];

    const printed = await runCli('clusters', ...flags, '-o', 'yaml');
    expect(printed.code).toBe(0);
    const documents = parseAllDocuments(printed.stdout).map((document) => document.toJS() as Record<string, unknown>);
    expect(documents).toEqual([
      {
        apiVersion: 'core.kubefed.io/v1beta1',
        kind: 'KubeFedCluster',
        metadata: {
          name: east,
          namespace: 'kube-federation-system',
          labels: { region: 'eu', tier: 'gold' },
          annotations: { 'gitfed.io/member-source': `capi/${s.capi.namespace}` },
        },
      },
    ]);
    expect(printed.stderr).toContain(`member ${north} (capi/${s.capi.namespace}) is held back: Cluster API NotReady`);
    expect(printed.stdout).not.toMatch(/token|certificate|BEGIN/);

    // What the daemon would place on is what an offline render of the repository plus the written files places on.
    const written = join(s.dir, 'clusters');
    await mkdir(written);
    expect((await runCli('clusters', ...flags, '--write', written)).code).toBe(0);
    const rendered = await runCli('render', '--repo', s.dir, '-o', 'json');
    expect(rendered.code).toBe(0);
    const clusters = (JSON.parse(rendered.stdout) as { clusters: Record<string, { kind: string; data?: { color?: string } }[]> }).clusters;
    expect(Object.keys(clusters)).toEqual([east]);
    const settings = clusters[east]!.find((object) => object.kind === 'ConfigMap');
    expect(settings?.data?.color).toBe('blue');
  });
});
