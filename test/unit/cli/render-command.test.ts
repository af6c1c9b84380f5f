import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../support/run-cli.ts';

const quickstart = 'fixtures/quickstart';
const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-cli-'));
  temporary.push(dir);
  return dir;
}

describe('gitfed render', () => {
  it('prints the documented JSON shape for the quickstart, with every declared cluster as a key', async () => {
    const { code, stdout, stderr } = await runCli('render', '--repo', quickstart, '-o', 'json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['revision', 'clusters', 'errors', 'warnings', 'replicas']);
    expect(json.revision).toBeNull();
    expect(Object.keys(json.clusters)).toEqual(['member1', 'member2', 'member3']);
    expect(json.errors).toEqual([]);
    for (const objects of Object.values(json.clusters) as { metadata: { labels: Record<string, string> } }[][]) {
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) expect(object.metadata.labels['kubefed.io/managed']).toBe('true');
    }
  });

  it('matches the golden rendering of the quickstart', async () => {
    const { stdout } = await runCli('render', '--repo', quickstart, '-o', 'json');
    await expect(stdout).toMatchFileSnapshot('../../../fixtures/golden/quickstart.render.json');
  });

  it('prints YAML documents tagged with their cluster by default', async () => {
    const { code, stdout } = await runCli('render', '--repo', quickstart);
    expect(code).toBe(0);
    const documents = parseAllDocuments(stdout);
    expect(documents.length).toBeGreaterThan(10);
    expect(stdout.startsWith('# cluster: member1\napiVersion: v1\nkind: Namespace\n')).toBe(true);
  });

  it('writes one file per object under --out/<cluster>, in apply order, and removes stale files', async () => {
    const out = await tempDir();
    await mkdir(path.join(out, 'member1'), { recursive: true });
    await writeFile(path.join(out, 'member1', '5_Deployment_shop_gone.yaml'), 'stale: true\n');
    const { code } = await runCli('render', '--repo', quickstart, '--out', out);
    expect(code).toBe(0);
    const files = (await readdir(path.join(out, 'member1'))).sort();
    expect(files).not.toContain('5_Deployment_shop_gone.yaml');
    expect(files[0]).toBe('1_Namespace_shop.yaml');
    // Pod-starting kinds last: everything their Pods refer to sorts before them.
    const firstWorkload = files.findIndex((file) => file.startsWith('5_'));
    expect(files.slice(firstWorkload)).toEqual(['5_Deployment_shop_api.yaml', '5_Deployment_shop_web.yaml', '5_Job_shop_migrate-schema.yaml']);
    expect(files.slice(0, firstWorkload)).toEqual(expect.arrayContaining(['4_ConfigMap_shop_web-config.yaml', '4_Secret_shop_web-session.yaml', '4_Service_shop_web.yaml']));
    expect(await readFile(path.join(out, 'member1', '5_Deployment_shop_web.yaml'), 'utf8')).toContain('name: web');
  });

  it('exits 1 and prints compiler-style errors naming file, line and column for a bad repository', async () => {
    const repo = await tempDir();
    await writeFile(
      path.join(repo, 'app.yaml'),
      `apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: member1
spec:
  apiEndpoint: https://member1:6443
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata:
  name: shop
  namespace: shop
spec:
  placement:
    clusterSelector: {}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: settings
  namespace: shop
spec:
  placement:
    clusterSelector: {}
  overrides:
  - clusterName: member1
    clusterOverrides:
    - path: /kind
      value: Secret
`,
    );
    const { code, stdout, stderr } = await runCli('render', '--repo', repo, '-o', 'json');
    expect(code).toBe(1);
    const shown = path.relative(process.cwd(), path.join(repo, 'app.yaml'));
    expect(stderr).toContain(`${shown}:28:13 error ApplyOverridesFailed member1 ConfigMap/shop/settings: `);
    const json = JSON.parse(stdout);
    expect(json.errors).toEqual([
      expect.objectContaining({ code: 'ApplyOverridesFailed', file: 'app.yaml', line: 28, cluster: 'member1', resource: 'ConfigMap/shop/settings' }),
    ]);
    expect(json.clusters.member1.map((o: { kind: string }) => o.kind)).toEqual(['Namespace']);
  });

  it('exits 1 from validate with the same errors and a summary line', async () => {
    const { code, stdout, stderr } = await runCli('validate', '--repo', 'fixtures/invalid/schema-error');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^fixtures\/invalid\/schema-error\/\S+\.yaml:\d+:\d+ error SchemaInvalid /m);
    expect(stdout).toMatch(/[1-9]\d* errors/);
  });

  it('exits 2 for a usage error', async () => {
    const { code, stderr } = await runCli('render', '-o', 'toml');
    expect(code).toBe(2);
    expect(stderr).toContain("argument 'toml' is invalid");
  });

  it('runs as `npx gitfed` on the Node 24 the package brings', async () => {
    const { stdout } = await promisify(execFile)('npx', ['gitfed', 'validate', '--repo', quickstart], { encoding: 'utf8' });
    expect(stdout).toMatch(/^fixtures\/quickstart: 3 clusters, \d+ federated objects, \d+ member objects, 0 errors, 0 warnings$/m);
  }, 60_000); // npx starts two Node processes: seconds on a loaded 2-core machine
});
