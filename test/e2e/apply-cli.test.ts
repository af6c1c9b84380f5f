/**
 * `gitfed apply` as a real process against the lab, checked from the members themselves (client-node reads, not
 * gitfed's report): --dry-run persists nothing, a real apply creates everything everywhere, --adopt takes over an
 * unmarked object that blocks an apply without it, --allow-mass-deletion lets through deletions the guard holds,
 * and --wait waits for a Deployment to become Available but not for objects every member refused.
 * Each test has its own namespace and gitfed instance, removed from every member afterwards.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { instanceAnnotation, managedLabel } from '../../src/model/marks.ts';
import { federated, federatedConfigMap, federatedDeployment, federatedNamespace, inventoryRef, kubeFedClusters, tempRepo, yamlOf, type TempRepo } from '../support/e2e-repo.ts';
import { jsonOf, killAll, runGitfed, type ApplyJson, type GitfedExit } from '../support/gitfed-process.ts';
import { liveNames, readLive, removeFromMembers } from '../support/member-reads.ts';
import { objectApiFor, uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((m) => m.name);
const [m1] = members as [string];

interface Made {
  namespace: string;
  instance: string;
  repo: TempRepo;
  /** Writes one revision: the lab's KubeFedClusters, this test's namespace and the given documents. */
  revision(...docs: Record<string, unknown>[]): Promise<void>;
  apply(...flags: string[]): Promise<GitfedExit>;
}

const made: Made[] = [];
afterEach(async () => {
  await killAll();
  const done = made.splice(0);
  await removeFromMembers(lab, { namespaces: done.map((m) => m.namespace), instances: done.map((m) => m.instance) });
  await Promise.all(done.map((m) => m.repo.remove()));
});
afterAll(killAll);

async function scenario(prefix: string): Promise<Made> {
  const namespace = uniqueName(`e2e-${prefix}`);
  const instance = uniqueName(prefix);
  const repo = await tempRepo();
  const s: Made = {
    namespace,
    instance,
    repo,
    revision: (...docs) => repo.write({ 'clusters.yaml': kubeFedClusters(members), 'app.yaml': yamlOf(federatedNamespace(namespace), ...docs) }),
    apply: (...flags) => runGitfed(['apply', '--repo', repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', instance, ...flags]),
  };
  made.push(s);
  return s;
}

const configMap = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
const configMaps = (namespace: string, names: readonly string[], placement: 'all' | string[] = 'all') =>
  names.map((name) => federatedConfigMap({ name, namespace, placement, data: { value: name } }));

/** `id action propagation` per change of one member, in report order. */
function changesOf(json: ApplyJson, member: string): string[] {
  return (json.clusters[member]?.changes ?? []).map((c) => `${c.id} ${c.action} ${c.propagation}`);
}

function marksOf(object: KubernetesObject | null): { managed?: string; instance?: string } {
  return { managed: object?.metadata?.labels?.[managedLabel], instance: object?.metadata?.annotations?.[instanceAnnotation] };
}

describe('gitfed apply --dry-run', () => {
  it('reports every object as created, exits 0, and creates nothing in any member', async () => {
    const s = await scenario('dry');
    await s.revision(...configMaps(s.namespace, ['a', 'b']));

    const dry = await s.apply('--dry-run', '-o', 'json');

    expect(dry.code, dry.stderr).toBe(0);
    const json = jsonOf(dry);
    expect(Object.keys(json.clusters).sort()).toEqual(members);
    for (const member of members) {
      expect(json.clusters[member]?.reachable, member).toBe(true);
      expect(changesOf(json, member).map((line) => line.split(' ').slice(0, 2).join(' ')), member).toEqual([
        `ConfigMap/${s.namespace}/a created`,
        `ConfigMap/${s.namespace}/b created`,
        `Namespace/${s.namespace} created`,
      ]);
      expect(await readLive(lab, member, { apiVersion: 'v1', kind: 'Namespace', name: s.namespace }), member).toBeNull();
      expect(await readLive(lab, member, inventoryRef(s.instance)), member).toBeNull();
    }
  });
});

describe('gitfed apply', () => {
  it('creates every object in every member with gitfed marks and exits 0; run again it changes nothing', async () => {
    const s = await scenario('real');
    await s.revision(...configMaps(s.namespace, ['a', 'b']));

    const applied = await s.apply('-o', 'json');

    expect(applied.code, applied.stderr).toBe(0);
    const json = jsonOf(applied);
    for (const member of members) {
      expect(changesOf(json, member), member).toEqual([
        `ConfigMap/${s.namespace}/a created ClusterPropagationOK`,
        `ConfigMap/${s.namespace}/b created ClusterPropagationOK`,
        `Namespace/${s.namespace} created ClusterPropagationOK`,
      ]);
      expect(await liveNames(lab, member, { apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, labelSelector: `${managedLabel}=true` })).toEqual(['a', 'b']);
      const a = await readLive(lab, member, configMap(s.namespace, 'a'));
      expect(a?.data, member).toEqual({ value: 'a' });
      expect(marksOf(a), member).toEqual({ managed: 'true', instance: s.instance });
      expect(await readLive(lab, member, inventoryRef(s.instance)), member).not.toBeNull();
    }

    const again = await s.apply('-o', 'json');
    expect(again.code, again.stderr).toBe(0);
    for (const member of members) {
      const actions = jsonOf(again).clusters[member]?.changes.map((c) => c.action) ?? [];
      expect(actions, member).toEqual(['unchanged', 'unchanged', 'unchanged']);
    }
  });
});

describe('gitfed apply --adopt', () => {
  it('refuses a pre-existing unmarked object (exit 1, AlreadyExists, left as it was) and takes it over with --adopt', async () => {
    const s = await scenario('adopt');
    await s.revision();
    const first = await s.apply();
    expect(first.code, first.stderr).toBe(0);
    // Made by hand in member1 before gitfed ever placed it: no gitfed marks.
    await objectApiFor(lab, m1).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', namespace: s.namespace }, data: { value: 'by hand' } });
    await s.revision(...configMaps(s.namespace, ['pre']));

    const refused = await s.apply('-o', 'json');

    expect(refused.code).toBe(1);
    const change = jsonOf(refused).clusters[m1]?.changes.find((c) => c.id === `ConfigMap/${s.namespace}/pre`);
    expect(change).toMatchObject({ action: 'skipped', propagation: 'AlreadyExists' });
    const untouched = await readLive(lab, m1, configMap(s.namespace, 'pre'));
    expect(untouched?.data).toEqual({ value: 'by hand' });
    expect(marksOf(untouched)).toEqual({ managed: undefined, instance: undefined });
    // The members where it did not exist got it.
    for (const member of members.filter((m) => m !== m1)) {
      expect(marksOf(await readLive(lab, member, configMap(s.namespace, 'pre'))), member).toEqual({ managed: 'true', instance: s.instance });
    }

    const adopted = await s.apply('--adopt', '-o', 'json');

    expect(adopted.code, adopted.stderr).toBe(0);
    expect(jsonOf(adopted).clusters[m1]?.changes.find((c) => c.id === `ConfigMap/${s.namespace}/pre`)?.propagation).toBe('ClusterPropagationOK');
    const taken = await readLive(lab, m1, configMap(s.namespace, 'pre'));
    expect(marksOf(taken)).toEqual({ managed: 'true', instance: s.instance });
    expect(taken?.data).toEqual({ value: 'pre' });
  });
});

describe('gitfed apply --allow-mass-deletion', () => {
  it('holds the deletion of most objects (exit 1, DeletionGuarded, still in the member) and deletes them with the flag', async () => {
    const s = await scenario('mass');
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    await s.revision(...configMaps(s.namespace, names, [m1]));
    const first = await s.apply();
    expect(first.code, first.stderr).toBe(0);
    const managedInM1 = () => liveNames(lab, m1, { apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, labelSelector: `${managedLabel}=true` });
    expect(await managedInM1()).toEqual(names);

    // Five of the seven objects gitfed manages in member1 leave Git.
    await s.revision(...configMaps(s.namespace, ['c1'], [m1]));
    const held = await s.apply('-o', 'json');

    expect(held.code).toBe(1);
    const guarded = jsonOf(held).clusters[m1]?.changes.filter((c) => c.propagation === 'DeletionGuarded').map((c) => c.id) ?? [];
    expect(guarded).toEqual(['c2', 'c3', 'c4', 'c5', 'c6'].map((name) => `ConfigMap/${s.namespace}/${name}`));
    expect(await managedInM1()).toEqual(names);

    const allowed = await s.apply('--allow-mass-deletion', '-o', 'json');

    expect(allowed.code, allowed.stderr).toBe(0);
    const deleted = jsonOf(allowed).clusters[m1]?.changes.filter((c) => c.action === 'deleted').map((c) => c.id) ?? [];
    expect(deleted).toEqual(guarded);
    expect(await managedInM1()).toEqual(['c1']);
    for (const name of ['c2', 'c3', 'c4', 'c5', 'c6']) expect(await readLive(lab, m1, configMap(s.namespace, name)), name).toBeNull();
  });
});

/** A FederatedTypeConfig of the KubeFed era: Ingress propagated as extensions/v1beta1, which Kubernetes 1.22+ no longer serves. */
const legacyIngressType = {
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'FederatedTypeConfig',
  metadata: { name: 'ingresses.extensions', namespace: 'kube-federation-system' },
  spec: {
    targetType: { group: 'extensions', version: 'v1beta1', kind: 'Ingress', pluralName: 'ingresses', scope: 'Namespaced' },
    federatedType: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedIngress', pluralName: 'federatedingresses', scope: 'Namespaced' },
    propagation: 'Enabled',
  },
};

const refusedEverywhere: { what: string; kind: string; docs: (namespace: string) => Record<string, unknown>[] }[] = [
  {
    what: 'a Service with an invalid spec.type (422 from every member)',
    kind: 'Service',
    docs: (namespace) => [federated('Service', { name: 'bad', namespace }, { spec: { type: 'NoSuchType', ports: [{ port: 80 }] } })],
  },
  {
    what: 'an Ingress for extensions/v1beta1, which no member serves (TypeNotServed)',
    kind: 'Ingress',
    docs: (namespace) => [legacyIngressType, federated('Ingress', { name: 'bad', namespace }, { spec: { backend: { serviceName: 'web', servicePort: 80 } } })],
  },
];

describe('gitfed apply --wait', () => {
  it('waits until a Deployment is Available in every member, then exits 0', async () => {
    const s = await scenario('wait');
    await s.revision(federatedDeployment({ name: 'web', namespace: s.namespace, replicas: 2 }));

    const waited = await s.apply('--wait', '--timeout', '2m');

    expect(waited.code, waited.stderr).toBe(0);
    // Read right after the exit, without polling: --wait returned only once the rollout was done.
    for (const member of members) {
      const deployment = (await readLive(lab, member, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'web' })) as
        | (KubernetesObject & { status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] } })
        | null;
      expect(deployment?.status?.conditions?.find((c) => c.type === 'Available')?.status, member).toBe('True');
      expect(deployment?.status?.readyReplicas, member).toBe(2);
    }
  });

  it.each(refusedEverywhere)('does not wait for $what: exits 1 long before --timeout and names it on stderr', async ({ kind, docs }) => {
    const s = await scenario('refused');
    await s.revision(...configMaps(s.namespace, ['fine']), ...docs(s.namespace));

    const result = await s.apply('--wait', '--timeout', '60s');

    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stderr).toContain(`${kind}/${s.namespace}/bad`);
    for (const member of members) {
      expect(await readLive(lab, member, configMap(s.namespace, 'fine')), member).not.toBeNull();
      const apiVersion = kind === 'Ingress' ? 'networking.k8s.io/v1' : 'v1';
      expect(await readLive(lab, member, { apiVersion, kind, namespace: s.namespace, name: 'bad' }), member).toBeNull();
    }
  });
});
