import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TYPE_CONFIGS } from '../../../src/model/default-type-configs.ts';
import { loadModel } from '../../../src/model/load-model.ts';
import { render } from '../../../src/render/render.ts';
import { planDisable, planEnable } from '../../../src/kubefedctl/plan-type-config.ts';
import type { RepoView } from '../../../src/kubefedctl/file-change.ts';
import { KNOWN_TARGET_TYPES, findKnownTargetType, typeConfigDocument, typeConfigForTarget } from '../../../src/kubefedctl/target-types.ts';
import { clusterYaml, federatedNamespaceYaml } from '../../support/repo.ts';
import { runCli } from '../../support/run-cli.ts';
import { stringify } from 'yaml';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const app = `${federatedNamespaceYaml('shop')}---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: shop}
spec:
  placement: {clusterSelector: {}}
  template:
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: settings, namespace: shop}
spec:
  placement: {clusterSelector: {}}
  template: {data: {a: "1"}}
`;

function repoOf(files: Record<string, string>): RepoView {
  const map = new Map(Object.entries(files));
  return { files: map, model: loadModel({ revision: null, files: map, diagnostics: [] }) };
}

/** Applies a planned change to the in-memory files. */
function applied(files: Record<string, string>, change: ReturnType<typeof planEnable>): Record<string, string> {
  if (change.action === 'write') return { ...files, [change.file]: change.text };
  if (change.action === 'delete') return Object.fromEntries(Object.entries(files).filter(([file]) => file !== change.file));
  return files;
}

const base = { 'clusters.yaml': clusterYaml('c1'), 'app.yaml': app };

describe('gitfed disable / enable (planner)', () => {
  it('disables a default type by writing its FederatedTypeConfig with propagation Disabled; render then skips its objects with TypeDisabled', () => {
    const change = planDisable(repoOf(base), { name: 'deployments.apps' });
    expect(change).toMatchObject({ action: 'write', file: 'types/deployments.apps.yaml' });
    const files = applied(base, change);
    const result = render(loadModel({ revision: null, files: new Map(Object.entries(files)), diagnostics: [] }));
    expect(result.clusters.c1?.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['Namespace/shop', 'ConfigMap/settings']);
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code} ${d.resource}`)).toEqual(['warning TypeDisabled Deployment/shop/web']);
  });

  it('enables the type again by editing propagation in place, and nothing else of the file', () => {
    const disabled = applied(base, planDisable(repoOf(base), { name: 'deploy' }));
    const change = planEnable(repoOf(disabled), { name: 'Deployment' });
    expect(change).toMatchObject({ action: 'write', file: 'types/deployments.apps.yaml', message: 'set propagation: Enabled on FederatedTypeConfig deployments.apps in types/deployments.apps.yaml' });
    const text = change.action === 'write' ? change.text : '';
    expect(text).toBe(disabled['types/deployments.apps.yaml']!.replace('propagation: Disabled', 'propagation: Enabled'));
    const result = render(loadModel({ revision: null, files: new Map(Object.entries(applied(disabled, change))), diagnostics: [] }));
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters.c1?.map((object) => object.kind)).toContain('Deployment');
  });

  it('edits an existing FederatedTypeConfig in place, comments and all', () => {
    const ftc = `# keep this comment\n${stringify(typeConfigDocument(typeConfigForTarget(findKnownTargetType('statefulsets')!)))}`.replace('propagation: Enabled', 'propagation: Enabled   # on purpose');
    const files = { ...base, 'types/sts.yaml': ftc };
    const change = planDisable(repoOf(files), { name: 'sts' });
    expect(change).toMatchObject({ action: 'write', file: 'types/sts.yaml' });
    expect(change.action === 'write' && change.text).toBe(ftc.replace('propagation: Enabled', 'propagation: Disabled'));
    expect(planDisable(repoOf(applied(files, change)), { name: 'statefulsets.apps' })).toEqual({ action: 'none', message: 'statefulsets.apps is already disabled (types/sts.yaml:2)' });
  });

  it('refuses to enable a type the repository already enables, and needs no file for a default type', () => {
    const files = applied(base, planEnable(repoOf(base), { name: 'statefulsets.apps' }));
    expect(() => planEnable(repoOf(files), { name: 'StatefulSet' })).toThrow('statefulsets.apps is already enabled by the FederatedTypeConfig at types/statefulsets.apps.yaml:2');
    expect(planEnable(repoOf(base), { name: 'configmaps' })).toEqual({
      action: 'none',
      message: "configmaps is enabled by default (one of KubeFed's ten default types); nothing to write",
    });
  });

  it('writes KubeFed\'s FederatedTypeConfig for a known type, which the loader reads back as that type', () => {
    for (const known of KNOWN_TARGET_TYPES) {
      const type = typeConfigForTarget(known);
      const change = planEnable(repoOf(base), { name: type.name });
      if (DEFAULT_TYPE_CONFIGS.some((builtIn) => builtIn.name === type.name)) {
        expect(change.action).toBe('none');
        continue;
      }
      expect(change).toMatchObject({ action: 'write', file: `types/${type.name}.yaml` });
      const model = repoOf(applied(base, change)).model;
      expect(model.diagnostics).toEqual([]);
      const loaded = model.typeConfigs.find((candidate) => candidate.name === type.name);
      expect({ ...loaded, origin: undefined }).toEqual({ ...type, origin: undefined });
    }
  });

  it('writes the FederatedTypeConfig KubeFed generated for statefulsets.apps', () => {
    const change = planEnable(repoOf(base), { name: 'sts' });
    expect(change.action === 'write' && change.text).toBe(`# Written by gitfed enable statefulsets.apps.
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: statefulsets.apps
  namespace: kube-federation-system
spec:
  federatedType:
    group: types.kubefed.io
    kind: FederatedStatefulSet
    pluralName: federatedstatefulsets
    scope: Namespaced
    version: v1beta1
  propagation: Enabled
  targetType:
    group: apps
    kind: StatefulSet
    pluralName: statefulsets
    scope: Namespaced
    version: v1
`);
  });

  it('describes any other type with --target-* flags, and a federated group replaces a default type', () => {
    const widget = planEnable(repoOf(base), { target: { group: 'example.com', version: 'v1', kind: 'Widget', scope: 'Cluster' } });
    expect(widget).toMatchObject({ action: 'write', file: 'types/widgets.example.com.yaml', message: 'wrote types/widgets.example.com.yaml: FederatedWidget (types.kubefed.io/v1beta1, cluster-scoped) → Widget, propagation Enabled' });
    const custom = planEnable(repoOf(base), { name: 'deployments.apps', federatedGroup: 'federation.example.com' });
    expect(custom).toMatchObject({ action: 'write', file: 'types/deployments.apps.yaml' });
    expect(custom.action === 'write' && custom.message).toContain('(replaces the default FederatedDeployment in types.kubefed.io/v1beta1)');
    expect(() => planEnable(repoOf(base), { name: 'gizmos' })).toThrow('unknown type "gizmos"');
  });

  it('deletes a FederatedTypeConfig only when it is not a default type and no object of the type is left', () => {
    const sts = applied(base, planEnable(repoOf(base), { name: 'statefulsets.apps' }));
    expect(planDisable(repoOf(sts), { name: 'statefulsets.apps', delete: true })).toEqual({
      action: 'delete',
      file: 'types/statefulsets.apps.yaml',
      message: 'deleted types/statefulsets.apps.yaml (FederatedTypeConfig statefulsets.apps)',
      planned: 'would delete types/statefulsets.apps.yaml (FederatedTypeConfig statefulsets.apps)',
    });
    const withObject = { ...sts, 'db.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedStatefulSet\nmetadata: {name: db, namespace: shop}\nspec: {template: {spec: {}}}\n' };
    expect(() => planDisable(repoOf(withObject), { name: 'statefulsets.apps', delete: true })).toThrow('1 federated object(s) of statefulsets.apps remain in the repository, e.g. FederatedStatefulSet/shop/db (db.yaml:1)');
    const deployments = applied(base, planDisable(repoOf(base), { name: 'deployments.apps' }));
    expect(() => planDisable(repoOf(deployments), { name: 'deployments.apps', delete: true })).toThrow('deployments.apps is a default type');
    // Sharing a file with other documents: only its document goes.
    const shared = { ...base, 'types.yaml': `${sts['types/statefulsets.apps.yaml']}---\n# other\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n` };
    const removed = planDisable(repoOf(shared), { name: 'sts', delete: true });
    expect(removed).toMatchObject({ action: 'write', file: 'types.yaml', text: '---\n# other\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
  });
});

describe('gitfed enable / disable (CLI)', () => {
  it('writes into the repository, and --dry-run writes nothing', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'gitfed-types-'));
    temporary.push(repo);
    await writeFile(path.join(repo, 'app.yaml'), app);
    const dry = await runCli('disable', 'deployments.apps', '--repo', repo, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')[0]).toBe('would write types/deployments.apps.yaml: FederatedDeployment (types.kubefed.io/v1beta1, namespaced) → Deployment, propagation Disabled');
    expect(await readdir(repo)).toEqual(['app.yaml']);

    expect((await runCli('disable', 'deployments.apps', '--repo', repo)).code).toBe(0);
    expect(await readFile(path.join(repo, 'types', 'deployments.apps.yaml'), 'utf8')).toContain('propagation: Disabled');
    const validate = await runCli('validate', '--repo', repo);
    expect(validate.stderr).toContain('warning TypeDisabled Deployment/shop/web: FederatedDeployment is disabled (FederatedTypeConfig deployments.apps): not propagated');

    expect(await runCli('enable', 'deployments.apps', '--repo', repo)).toEqual({
      code: 0,
      stdout: 'set propagation: Enabled on FederatedTypeConfig deployments.apps in types/deployments.apps.yaml\n',
      stderr: '',
    });
    const again = await runCli('enable', 'deployments.apps', '--repo', repo);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('types/deployments.apps.yaml:2 error DuplicateObject deployments.apps is already enabled by the FederatedTypeConfig at types/deployments.apps.yaml:2\n');
  });

  it('refuses to overwrite a file at the FederatedTypeConfig path that it cannot read', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'gitfed-types-'));
    temporary.push(repo);
    await mkdir(path.join(repo, 'types'));
    await writeFile(path.join(repo, 'types', 'statefulsets.apps.yaml'), '# my notes\nfoo: bar\n');
    const { code, stderr } = await runCli('enable', 'statefulsets.apps', '--repo', repo);
    expect(code).toBe(2);
    expect(stderr).toContain('types/statefulsets.apps.yaml exists but holds no FederatedTypeConfig statefulsets.apps');
  });
});
