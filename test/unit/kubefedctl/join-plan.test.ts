import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadModel } from '../../../src/model/load-model.ts';
import {
  APPLY_PRESET_RULES,
  addCredentials,
  clusterFileText,
  credentialsConflicts,
  joinNames,
  kubeFedClusterDocument,
  memberObjects,
  onlyContext,
  parseLabels,
  removeCredentials,
  validateClusterName,
  type KubeconfigDocument,
} from '../../../src/kubefedctl/join-plan.ts';
import { planAddCluster, planRemoveCluster } from '../../../src/kubefedctl/plan-cluster-file.ts';
import { readCredentialsFile, writeCredentialsFile } from '../../../src/kubefedctl/repo-files.ts';
import { runCli } from '../../support/run-cli.ts';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-join-'));
  temporary.push(dir);
  return dir;
}

function repoOf(files: Record<string, string>) {
  const map = new Map(Object.entries(files));
  return { files: map, model: loadModel({ revision: null, files: map, diagnostics: [] }) };
}

describe('join: what goes into the member', () => {
  it('names everything after the cluster and labels it for unjoin', () => {
    const names = joinNames('member1');
    expect(names).toEqual({ cluster: 'member1', namespace: 'gitfed-system', serviceAccount: 'gitfed-member1', tokenSecret: 'gitfed-member1-token', rbac: 'gitfed:member1' });
    const objects = memberObjects(names, 'apply');
    expect(objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`)).toEqual([
      'ServiceAccount/gitfed-system/gitfed-member1',
      'Secret/gitfed-system/gitfed-member1-token',
      'ClusterRole//gitfed:member1',
      'ClusterRoleBinding//gitfed:member1',
    ]);
    for (const object of objects) expect(object.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'gitfed', 'gitfed.io/joined-cluster': 'member1' });
    const secret = objects[1]!;
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'gitfed-member1' });
  });

  it('grants the apply preset no verb that escalates: no impersonate, escalate, bind, and no wildcard verb', () => {
    const verbs = APPLY_PRESET_RULES.flatMap((rule) => rule.verbs as string[]);
    for (const forbidden of ['*', 'impersonate', 'escalate', 'bind', 'approve', 'sign', 'use', 'deletecollection']) expect(verbs).not.toContain(forbidden);
    expect(APPLY_PRESET_RULES[0]).toEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] });
    expect(APPLY_PRESET_RULES[1]?.nonResourceURLs).toEqual(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version']);
  });

  it('binds the built-in cluster-admin for preset cluster-admin, with no role of its own', () => {
    const objects = memberObjects(joinNames('m'), 'cluster-admin');
    expect(objects.map((object) => object.kind)).toEqual(['ServiceAccount', 'Secret', 'ClusterRoleBinding']);
    expect(objects[2]?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
    expect(objects[2]?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'gitfed-m', namespace: 'gitfed-system' }]);
  });

  it('accepts cluster names that work as file, context and label value, and nothing else', () => {
    for (const good of ['member1', 'eu-west.1', 'a']) expect(() => validateClusterName(good)).not.toThrow();
    for (const bad of ['Member1', '-a', 'a_b', 'a/b', 'x'.repeat(64), '']) expect(() => validateClusterName(bad)).toThrow('cluster name');
  });

  it('parses --labels and rejects what Kubernetes would', () => {
    expect(parseLabels('region=eu, tier=prod,example.com/zone=a,empty=')).toEqual({ region: 'eu', tier: 'prod', 'example.com/zone': 'a', empty: '' });
    expect(parseLabels(undefined)).toEqual({});
    for (const bad of ['region', '=eu', 'a=b c', 'Bad_Prefix.com/x=1', `k=${'v'.repeat(64)}`]) expect(() => parseLabels(bad)).toThrow('--labels');
  });
});

describe('join: what goes into the repository', () => {
  it('writes a KubeFedCluster the loader reads with its labels and apiEndpoint', () => {
    const text = clusterFileText(kubeFedClusterDocument('member1', { tier: 'prod', region: 'eu' }, 'https://10.0.0.1:6443'));
    expect(text).toBe(`# Written by gitfed join. Credentials are not here: gitfed finds them in a kubeconfig context named member1.
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: member1
  namespace: kube-federation-system
  labels:
    region: eu
    tier: prod
spec:
  apiEndpoint: https://10.0.0.1:6443
`);
    const model = repoOf({ 'clusters/member1.yaml': text }).model;
    expect(model.diagnostics).toEqual([]);
    expect(model.clusters.map(({ name, labels, apiEndpoint }) => ({ name, labels, apiEndpoint }))).toEqual([
      { name: 'member1', labels: { region: 'eu', tier: 'prod' }, apiEndpoint: 'https://10.0.0.1:6443' },
    ]);
  });

  it('refuses an existing cluster file without force, and a cluster declared in another file always', () => {
    const text = clusterFileText(kubeFedClusterDocument('m1', {}, 'https://x'));
    expect(planAddCluster(repoOf({}), 'm1', text, false)).toMatchObject({ action: 'write', file: 'clusters/m1.yaml', message: 'wrote clusters/m1.yaml' });
    expect(() => planAddCluster(repoOf({ 'clusters/m1.yaml': text }), 'm1', text, false)).toThrow('clusters/m1.yaml already exists; pass --force to overwrite it');
    expect(planAddCluster(repoOf({ 'clusters/m1.yaml': text }), 'm1', text, true)).toMatchObject({ action: 'write', message: 'rewrote clusters/m1.yaml' });
    expect(() => planAddCluster(repoOf({ 'clusters.yaml': text }), 'm1', text, true)).toThrow('KubeFedCluster m1 is already declared at clusters.yaml:2; remove it there first');
  });

  it('unjoin removes the cluster file, or only the document when the file declares more', () => {
    const m1 = clusterFileText(kubeFedClusterDocument('m1', {}, 'https://x'));
    const m2 = clusterFileText(kubeFedClusterDocument('m2', {}, 'https://y'));
    expect(planRemoveCluster(repoOf({ 'clusters/m1.yaml': m1 }), 'm1')).toMatchObject([{ action: 'delete', file: 'clusters/m1.yaml' }]);
    expect(planRemoveCluster(repoOf({ 'clusters.yaml': `${m1}---\n${m2}` }), 'm1')).toEqual([
      { action: 'write', file: 'clusters.yaml', text: `---\n${m2}`, message: 'removed KubeFedCluster m1 from clusters.yaml', planned: 'would remove KubeFedCluster m1 from clusters.yaml' },
    ]);
    expect(planRemoveCluster(repoOf({}), 'm1')).toEqual([{ action: 'none', message: 'the repository declares no KubeFedCluster m1' }]);
  });
});

describe('join: the credentials kubeconfig', () => {
  const existing: KubeconfigDocument = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: { colors: true },
    'current-context': 'other',
    clusters: [{ name: 'other', cluster: { server: 'https://other' } }],
    users: [{ name: 'other', user: { token: 'keep-me' } }],
    contexts: [{ name: 'other', context: { cluster: 'other', user: 'other' } }],
  };
  const entry = { name: 'm1', server: 'https://m1:6443', certificateAuthorityData: 'Q0E=', token: 'tok' };

  it('adds a context, cluster and user named after the member and keeps everything else', () => {
    const config = addCredentials(existing, entry);
    expect(config).toEqual({
      ...existing,
      clusters: [...existing.clusters!, { name: 'm1', cluster: { server: 'https://m1:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [...existing.users!, { name: 'm1', user: { token: 'tok' } }],
      contexts: [...existing.contexts!, { name: 'm1', context: { cluster: 'm1', user: 'm1' } }],
    });
    expect(credentialsConflicts(config, 'm1')).toEqual(['context', 'cluster', 'user']);
    expect(credentialsConflicts(config, 'm2')).toEqual([]);
    expect(addCredentials(undefined, entry)['current-context']).toBe('m1');
    // Replacing (--force) leaves one entry of each.
    expect(addCredentials(config, { ...entry, token: 'new' }).users?.filter((u) => u.name === 'm1')).toEqual([{ name: 'm1', user: { token: 'new' } }]);
    expect(onlyContext(config, 'm1')).toEqual({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'm1',
      clusters: [config.clusters![1]], users: [config.users![1]], contexts: [config.contexts![1]],
    });
  });

  it('removes exactly what join added', () => {
    const { config, removed } = removeCredentials(addCredentials(existing, entry), 'm1');
    expect(removed).toEqual(['context', 'cluster', 'user']);
    expect(config).toEqual(existing);
  });

  it('creates the file owner-only and keeps the mode of an existing one', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'nested', 'credentials.yaml');
    await writeCredentialsFile(file, addCredentials(undefined, entry));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readCredentialsFile(file)).toEqual(addCredentials(undefined, entry));
    expect(await readCredentialsFile(path.join(dir, 'missing.yaml'))).toBeUndefined();
    const loose = path.join(dir, 'loose.yaml');
    await writeFile(loose, 'apiVersion: v1\n', { mode: 0o640 });
    await writeCredentialsFile(loose, addCredentials(parse(await readFile(loose, 'utf8')) as KubeconfigDocument, entry));
    expect((await stat(loose)).mode & 0o777).toBe(0o640);
  });
});

describe('gitfed join (CLI, before touching a member)', () => {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: admin-cluster
  cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: Q0E=}
users:
- name: admin
  user: {token: admin-token}
contexts:
- name: admin@m1
  context: {cluster: admin-cluster, user: admin}
`;

  it('prints the plan with --dry-run and writes nothing', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfig);
    const { code, stdout, stderr } = await runCli(
      'join', 'm1', '--cluster-context', 'admin@m1', '--kubeconfig', path.join(dir, 'kubeconfig'), '--repo', dir,
      '--credentials', path.join(dir, 'creds.yaml'), '--labels', 'region=eu', '--dry-run',
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('would apply in the member through context admin@m1');
    expect(stdout).toContain('kind: ClusterRoleBinding\nmetadata:\n  name: gitfed:m1');
    expect(stdout).toContain(`would add context m1 (cluster m1, user m1 with the ServiceAccount token) to ${path.join(dir, 'creds.yaml')}`);
    expect(stdout).toContain('would write clusters/m1.yaml:\n# Written by gitfed join.');
    expect(stdout).toContain('  apiEndpoint: https://127.0.0.1:1');
    expect(stdout).not.toContain('admin-token');
    await expect(stat(path.join(dir, 'creds.yaml'))).rejects.toThrow();
    await expect(stat(path.join(dir, 'clusters'))).rejects.toThrow();
  });

  it('refuses an existing credentials context or cluster file without --force, before contacting the member', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfig);
    await writeCredentialsFile(path.join(dir, 'creds.yaml'), addCredentials(undefined, { name: 'm1', server: 'https://x', token: 't' }));
    const args = ['join', 'm1', '--cluster-context', 'admin@m1', '--kubeconfig', path.join(dir, 'kubeconfig'), '--repo', dir];
    const context = await runCli(...args, '--credentials', path.join(dir, 'creds.yaml'));
    expect(context.code).toBe(2);
    expect(context.stderr).toBe(`error UsageError ${path.join(dir, 'creds.yaml')} already has a context, cluster, user named "m1"; pass --force to replace it\n`);

    await writeFile(path.join(dir, 'm1.yaml'), clusterFileText(kubeFedClusterDocument('m1', {}, 'https://x')));
    const file = await runCli(...args, '--credentials', path.join(dir, 'other.yaml'));
    expect(file.code).toBe(1);
    expect(file.stderr).toBe('m1.yaml:2 error DuplicateObject KubeFedCluster m1 is already declared at m1.yaml:2; remove it there first\n');
  });

  it('refuses to write the credentials into the admin context it joins through', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfig.replaceAll('admin@m1', 'm1'));
    const { code, stderr } = await runCli('join', 'm1', '--kubeconfig', path.join(dir, 'kubeconfig'), '--repo', dir, '--credentials', path.join(dir, 'kubeconfig'), '--force');
    expect(code).toBe(2);
    expect(stderr).toContain('holds context "m1", through which gitfed joins');
  });
});
