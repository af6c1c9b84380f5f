/**
 * `gitfed join` / `unjoin` against a lab member, `gitfed disable` / `enable` end to end through apply, and
 * `gitfed federate` reading live objects.
 *
 * join: the credentials it writes (a kubeconfig with only the new context) run a real gitfed apply (create,
 * no-op, prune), and are refused what the `apply` preset leaves out (impersonation, escalation through RBAC, no
 * system:masters); `--rbac cluster-admin` (re-join with --force) switches the binding. unjoin removes the join
 * objects, the credentials context and the cluster file, and leaves the applied workloads in place.
 *
 * Each test uses names of its own (cluster name, join namespace, test namespace, gitfed instance) and removes them.
 */
import { AuthenticationV1Api, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createClientNodeClusterClient } from '../../src/cluster/client-node-cluster-client.ts';
import { ClusterRequestError, type ObjectRef } from '../../src/cluster/cluster-client.ts';
import { managedLabel } from '../../src/model/marks.ts';
import {
  applyKit,
  applyRepo,
  changeOf,
  configMapRef,
  deploymentRef,
  eventually,
  federated,
  federatedConfigMap,
  federatedDeployment,
  federatedNamespace,
  inventoryRef,
  quietLogger,
  replicasOf,
  tempRepo,
  yamlOf,
  type TempRepo,
} from '../support/e2e-repo.ts';
import { runCli } from '../support/run-cli.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const member = members[0]!;
const kit = applyKit(lab.kubeconfig, members);

const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(kit.open);
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
  await kit.cleanUp();
});
afterAll(kit.close);

const clusterRole = (name: string): ObjectRef => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name });
const clusterRoleBinding = (name: string): ObjectRef => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name });
const namespaceRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name });

interface Joined {
  name: string;
  joinNamespace: string;
  testNamespace: string;
  instance: string;
  repo: TempRepo;
  credentials: string;
  args: string[];
}

/** A fresh cluster name, join namespace, repository and credentials file; unjoined and removed afterwards. */
async function joinScenario(): Promise<Joined> {
  const name = uniqueName('e2e-join');
  const joinNamespace = uniqueName('e2e-gitfed-sys');
  const testNamespace = uniqueName('e2e-joined');
  const instance = uniqueName('join');
  const repo = await tempRepo();
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-e2e-credentials-'));
  const credentials = path.join(dir, 'credentials.yaml');
  const args = ['--cluster-context', member, '--kubeconfig', lab.kubeconfig, '--repo', repo.dir, '--credentials', credentials, '--namespace', joinNamespace];
  cleanups.push(async () => {
    await runCli('unjoin', name, ...args, '--force');
    const admin = kit.observer.get(member);
    await Promise.allSettled([
      admin.delete(namespaceRef(testNamespace)),
      admin.delete(namespaceRef(joinNamespace)),
      admin.delete(inventoryRef(instance)),
      admin.delete(clusterRole(`${name}-reader`)),
    ]);
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  });
  return { name, joinNamespace, testNamespace, instance, repo, credentials, args };
}

/** A client-node API client authenticated with the joined credentials alone (`as`: impersonate that user). */
function joinedApi<T>(credentials: KubeConfig, Api: new (...args: never[]) => T): T {
  return credentials.makeApiClient(Api as never) as T;
}

async function joinedKubeConfig(file: string, impersonate?: string): Promise<KubeConfig> {
  const config = parse(await readFile(file, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  if (impersonate) for (const user of config.users) user.user.as = impersonate;
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(config));
  expect(kc.getCurrentContext()).toBe(kc.getContexts()[0]?.name);
  return kc;
}

async function canI(kc: KubeConfig, attributes: Record<string, string>): Promise<boolean> {
  const review = await joinedApi(kc, AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } },
  });
  return review.status?.allowed ?? false;
}

describe('gitfed join / unjoin against a lab member', () => {
  it('gives credentials that run gitfed apply and nothing the apply preset forbids; unjoin keeps the workloads', async () => {
    const s = await joinScenario();
    const join = await runCli('join', s.name, ...s.args, '--labels', 'region=eu,e2e=join');
    expect(join.stderr).toBe('');
    expect(join.code).toBe(0);
    expect(join.stdout).toContain(`verified: context ${s.name} reaches`);

    // The credentials: an owner-only kubeconfig with exactly the new context, a token user.
    expect((await stat(s.credentials)).mode & 0o777).toBe(0o600);
    const credentials = parse(await readFile(s.credentials, 'utf8')) as { contexts: { name: string }[]; users: { name: string; user: Record<string, unknown> }[] };
    expect(credentials.contexts.map((c) => c.name)).toEqual([s.name]);
    expect(Object.keys(credentials.users[0]!.user)).toEqual(['token']);
    const clusterFile = await readFile(path.join(s.repo.dir, 'clusters', `${s.name}.yaml`), 'utf8');
    expect(clusterFile).toContain(`  name: ${s.name}\n  namespace: kube-federation-system\n  labels:\n    e2e: join\n    region: eu\n`);

    // gitfed apply with only those credentials: create, then nothing to do, then prune.
    const app = (withConfigMap: boolean) =>
      yamlOf(
        federatedNamespace(s.testNamespace),
        federatedDeployment({ name: 'web', namespace: s.testNamespace, replicas: 1 }),
        federated('ServiceAccount', { name: 'robot', namespace: s.testNamespace }, {}),
        federated('Role', { name: 'reader', namespace: s.testNamespace }, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
        }),
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedClusterRole',
          metadata: { name: `${s.name}-reader` },
          spec: { placement: { clusterSelector: {} }, template: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } },
        },
        ...(withConfigMap ? [federatedConfigMap({ name: 'settings', namespace: s.testNamespace, data: { color: 'blue' } })] : []),
      );
    await s.repo.write({ 'clusters/c.yaml': clusterFile, 'app.yaml': app(true) });
    const created = await applyRepo(s.repo.dir, { instance: s.instance, kubeconfig: s.credentials });
    const memberReport = created.report.clusters[s.name]!;
    expect(memberReport.reachable).toBe(true);
    expect(memberReport.changes.map((change) => `${change.action} ${change.propagation} ${change.id}`)).toEqual([
      `created ClusterPropagationOK ClusterRole/${s.name}-reader`,
      `created ClusterPropagationOK ConfigMap/${s.testNamespace}/settings`,
      `created ClusterPropagationOK Deployment/${s.testNamespace}/web`,
      `created ClusterPropagationOK Namespace/${s.testNamespace}`,
      `created ClusterPropagationOK Role/${s.testNamespace}/reader`,
      `created ClusterPropagationOK ServiceAccount/${s.testNamespace}/robot`,
    ]);
    const again = await applyRepo(s.repo.dir, { instance: s.instance, kubeconfig: s.credentials });
    expect(again.report.clusters[s.name]!.changes.every((change) => change.action === 'unchanged')).toBe(true);
    await s.repo.write({ 'clusters/c.yaml': clusterFile, 'app.yaml': app(false) });
    const pruned = await applyRepo(s.repo.dir, { instance: s.instance, kubeconfig: s.credentials });
    expect(changeOf(pruned, s.name, `ConfigMap/${s.testNamespace}/settings`)).toMatchObject({ action: 'deleted', propagation: 'ClusterPropagationOK' });

    // What the preset forbids.
    const kc = await joinedKubeConfig(s.credentials);
    const token = createClientNodeClusterClient({ cluster: s.name, kubeConfig: kc, retry: { maxAttempts: 1 } }, { logger: quietLogger });
    try {
      const escalation = await token
        .apply({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: `${s.name}-escalate` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: `gitfed-${s.name}`, namespace: s.joinNamespace }],
        })
        .catch((err: unknown) => err);
      expect(escalation).toBeInstanceOf(ClusterRequestError);
      expect((escalation as ClusterRequestError).status).toBe(403);
      expect((escalation as ClusterRequestError).message).toContain('is attempting to grant RBAC permissions not currently held');
    } finally {
      await token.close();
    }
    const impersonating = createClientNodeClusterClient({ cluster: s.name, kubeConfig: await joinedKubeConfig(s.credentials, 'admin'), retry: { maxAttempts: 1 } }, { logger: quietLogger });
    try {
      const impersonation = await impersonating.get(configMapRef('default', 'kube-root-ca.crt')).catch((err: unknown) => err);
      expect((impersonation as ClusterRequestError).status).toBe(403);
      expect((impersonation as ClusterRequestError).message).toContain('cannot impersonate resource "users"');
    } finally {
      await impersonating.close();
    }
    const review = await joinedApi(kc, AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${s.joinNamespace}:gitfed-${s.name}`);
    expect(review.status?.userInfo?.groups).not.toContain('system:masters');
    for (const verb of ['escalate', 'bind']) expect(await canI(kc, { verb, group: 'rbac.authorization.k8s.io', resource: 'clusterroles' })).toBe(false);
    expect(await canI(kc, { verb: 'impersonate', resource: 'serviceaccounts' })).toBe(false);
    expect(await canI(kc, { verb: 'deletecollection', resource: 'configmaps', namespace: s.testNamespace })).toBe(false);
    expect(await canI(kc, { verb: 'patch', group: 'apps', resource: 'deployments', namespace: s.testNamespace })).toBe(true);

    // unjoin: the join objects, the credentials context and the cluster file go; the workloads stay, still marked.
    const unjoin = await runCli('unjoin', s.name, ...s.args);
    expect(unjoin.stderr).toBe('');
    expect(unjoin.code).toBe(0);
    expect(unjoin.stdout).toContain(`${member}: deleted Namespace/${s.joinNamespace}`);
    const admin = kit.observer.get(member);
    for (const ref of [
      clusterRoleBinding(`gitfed:${s.name}`),
      clusterRole(`gitfed:${s.name}`),
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: s.joinNamespace, name: `gitfed-${s.name}` },
      { apiVersion: 'v1', kind: 'Secret', namespace: s.joinNamespace, name: `gitfed-${s.name}-token` },
    ]) {
      expect(await admin.get(ref), `${ref.kind}/${ref.name} removed`).toBeNull();
    }
    await eventually(`namespace ${s.joinNamespace} gone`, async () => {
      const ns = await admin.get(namespaceRef(s.joinNamespace));
      return ns === null ? { done: true } : { state: ns.status };
    });
    const web = await kit.mustLive(member, deploymentRef(s.testNamespace, 'web'));
    expect(web.metadata.labels?.[managedLabel]).toBe('true');
    expect(await admin.get(clusterRole(`${s.name}-reader`))).not.toBeNull();
    const after = parse(await readFile(s.credentials, 'utf8')) as { contexts: unknown[] };
    expect(after.contexts).toEqual([]);
    await expect(stat(path.join(s.repo.dir, 'clusters', `${s.name}.yaml`))).rejects.toThrow();
    // The token is refused: its binding is gone at once (403), the token itself once the apiserver's authentication
    // cache forgets it (401).
    const dead = createClientNodeClusterClient({ cluster: s.name, kubeConfig: kc, retry: { maxAttempts: 1 } }, { logger: quietLogger });
    try {
      const refused = await dead.get(configMapRef(s.testNamespace, 'kube-root-ca.crt')).catch((err: unknown) => err);
      expect([401, 403]).toContain((refused as ClusterRequestError).status);
    } finally {
      await dead.close();
    }
  });

  it('switches to the cluster-admin preset on a forced re-join, and refuses a re-join without --force', async () => {
    const s = await joinScenario();
    expect((await runCli('join', s.name, ...s.args)).code).toBe(0);
    const refused = await runCli('join', s.name, ...s.args, '--rbac', 'cluster-admin');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --force to replace it');

    const rejoin = await runCli('join', s.name, ...s.args, '--rbac', 'cluster-admin', '--force');
    expect(rejoin.stderr).toBe('');
    expect(rejoin.code).toBe(0);
    expect(rejoin.stdout).toContain(`${member}: deleted ClusterRoleBinding/gitfed:${s.name} (its role changes to cluster-admin)`);
    expect(rejoin.stdout).toContain(`${member}: deleted ClusterRole/gitfed:${s.name} (preset cluster-admin binds the built-in role)`);
    const binding = await kit.mustLive(member, clusterRoleBinding(`gitfed:${s.name}`));
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'cluster-admin' });
    const kc = await joinedKubeConfig(s.credentials);
    expect(await canI(kc, { verb: 'impersonate', resource: 'users' })).toBe(true);
    expect((await runCli('unjoin', s.name, ...s.args)).code).toBe(0);
    expect(await kit.live(member, clusterRoleBinding(`gitfed:${s.name}`))).toBeNull();
  });
});

/** The FederatedTypeConfig files `gitfed disable` wrote, so a rewritten revision keeps them. */
async function typesFiles(repoDir: string): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const names = await readdir(`${repoDir}/types`).catch(() => [] as string[]);
  return Object.fromEntries(await Promise.all(names.map(async (name) => [`types/${name}`, await readFile(`${repoDir}/types/${name}`, 'utf8')])));
}

describe('gitfed disable / enable through apply', () => {
  it('neither applies nor prunes the objects of a disabled type, and applies them again once enabled', async () => {
    const s = await kit.scenario('disable');
    const app = (replicas: number) =>
      yamlOf(
        federatedNamespace(s.namespace, [member]),
        federatedDeployment({ name: 'web', namespace: s.namespace, placement: [member], replicas }),
        federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [member], data: { color: 'blue' } }),
      );
    await s.revision({ 'app.yaml': app(1) });
    const first = await s.apply();
    expect(changeOf(first, member, `Deployment/${s.namespace}/web`)).toMatchObject({ action: 'created' });

    // Disabled, with a changed template in Git: the member copy is left exactly as it was.
    await s.revision({ 'app.yaml': app(3) });
    expect((await runCli('disable', 'deployments.apps', '--repo', s.repo.dir)).code).toBe(0);
    const disabled = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance);
    expect(disabled.stderr).toContain(`warning TypeDisabled Deployment/${s.namespace}/web: FederatedDeployment is disabled (FederatedTypeConfig deployments.apps): not propagated`);
    expect(disabled.stdout).not.toContain('Deployment');
    expect(disabled.code).toBe(0);
    expect(replicasOf(await kit.mustLive(member, deploymentRef(s.namespace, 'web')))).toBe(1);
    expect(await kit.inventoryNames(member, s.instance)).toContain('Deployment/web');

    // Disabled and removed from Git: still not pruned (KubeFed with that type's controller stopped deleted nothing).
    const withoutDeployment = yamlOf(
      federatedNamespace(s.namespace, [member]),
      federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [member], data: { color: 'blue' } }),
    );
    await s.revision({ 'app.yaml': withoutDeployment, ...(await typesFiles(s.repo.dir)) });
    const removed = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance);
    expect(removed.code).toBe(0);
    expect(removed.stdout).not.toContain('Deployment');
    expect(replicasOf(await kit.mustLive(member, deploymentRef(s.namespace, 'web')))).toBe(1);
    expect(await kit.inventoryNames(member, s.instance)).toContain('Deployment/web');
    await s.revision({ 'app.yaml': app(3), ...(await typesFiles(s.repo.dir)) });

    // Enabled again: the change in Git reaches the member.
    expect((await runCli('enable', 'deployments.apps', '--repo', s.repo.dir)).stdout).toBe(
      'set propagation: Enabled on FederatedTypeConfig deployments.apps in types/deployments.apps.yaml\n',
    );
    const enabled = await s.apply();
    expect(enabled.rendered.diagnostics).toEqual([]);
    expect(changeOf(enabled, member, `Deployment/${s.namespace}/web`)).toMatchObject({ action: 'configured' });
    expect(replicasOf(await kit.mustLive(member, deploymentRef(s.namespace, 'web')))).toBe(3);
  });
});

describe('gitfed federate from a live member', () => {
  it('federates a namespace and its contents as KubeFed did, leaving out controller-owned objects with --skip-owned', async () => {
    const namespace = uniqueName('e2e-federate');
    const admin = kit.observer.get(member);
    cleanups.push(() => admin.delete(namespaceRef(namespace)));
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { team: 'shop' } } });
    await admin.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace, annotations: { note: 'dropped' } },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await admin.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { color: 'blue' } });
    const service = await kit.mustLive(member, { apiVersion: 'v1', kind: 'Service', namespace, name: 'web' });
    expect((service.spec as { clusterIP?: string }).clusterIP).toBeTruthy();

    const one = await runCli('federate', 'svc', 'web', '-n', namespace, '--context', member, '--kubeconfig', lab.kubeconfig);
    expect(one.code).toBe(0);
    expect(one.stderr).toContain(`warning AnnotationsNotSupported Service/${namespace}/web`);
    const [federatedService] = parseAll(one.stdout);
    expect(federatedService).toMatchObject({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedService', metadata: { name: 'web', namespace } });
    const spec = (federatedService?.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(spec.clusterIP).toBeUndefined();
    expect(spec.clusterIPs).toBeUndefined();
    expect(spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);

    const all = await runCli('federate', 'namespace', namespace, '--contents', '--skip-owned', '--context', member, '--kubeconfig', lab.kubeconfig);
    expect(all.code).toBe(0);
    const kinds = parseAll(all.stdout).map((doc) => `${String(doc.kind)}/${String((doc.metadata as { name: string }).name)}`);
    expect(kinds[0]).toBe(`FederatedNamespace/${namespace}`);
    expect(kinds).toContain('FederatedConfigMap/settings');
    expect(kinds).toContain('FederatedService/web');
    expect(kinds).toContain('FederatedServiceAccount/default');
    expect(kinds.some((kind) => kind.startsWith('FederatedEndpointSlice/') || kind.startsWith('FederatedEndpoints/') || kind.startsWith('FederatedEvent/'))).toBe(false);
    expect(parseAll(all.stdout)[0]).toMatchObject({ metadata: { name: namespace, namespace }, spec: { template: { spec: {} } } });
  });
});

function parseAll(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((doc) => doc.toJS() as Record<string, unknown>).filter(Boolean);
}
