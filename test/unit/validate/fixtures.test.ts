/**
 * Every fixture repository and KubeFed's own examples (fixtures/kubefed-examples) validate without ObjectInvalid,
 * except KubeFed's sample1 Ingress, still written for the Ingress API removed in Kubernetes 1.22: its problems
 * name that API and its replacement at the file:line of the template fields.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/render/render.ts';
import { loadRepo } from '../../../src/source/load-repo.ts';
import { defaultKubeVersion, shippedSchemas } from '../../../src/source/schema-bundles.ts';
import { validateRender } from '../../../src/validate/validate-render.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

async function validateFixture(dir: string) {
  const model = await loadRepo(path.join(fixtures, dir));
  const rendered = render(model);
  return { rendered, found: validateRender(rendered, model, await shippedSchemas(defaultKubeVersion)) };
}

describe('fixture repositories', () => {
  it('produce no ObjectInvalid (every one of them renders member objects or has load errors only)', async () => {
    const invalid = (await readdir(path.join(fixtures, 'invalid'))).map((name) => `invalid/${name}`);
    const repos = ['minimal', 'quickstart', ...invalid];
    expect(invalid.length).toBeGreaterThan(3);
    let objects = 0;
    for (const repo of repos) {
      const { rendered, found } = await validateFixture(repo);
      objects += Object.values(rendered.clusters).flat().length;
      expect(found.filter((d) => d.code === 'ObjectInvalid'), repo).toEqual([]);
    }
    expect(objects).toBeGreaterThan(20);
  });

  it("KubeFed's examples: only the sample1 Ingress is invalid, naming the removed API and the replacement at its lines", async () => {
    const { rendered, found } = await validateFixture('kubefed-examples');
    expect(Object.values(rendered.clusters).flat().length).toBeGreaterThan(15);
    const invalid = found.filter((d) => d.code === 'ObjectInvalid');
    expect(invalid.map(({ file, line, column, field, clusters, resource }) => ({ file, line, column, field, clusters, resource }))).toEqual([
      { file: 'sample1/federatedingress.yaml', line: 13, column: 13, field: 'spec.template.spec.rules[0].http.paths[0].pathType', clusters: ['cluster1', 'cluster2'], resource: 'Ingress/test-namespace/test-ingress' },
      { file: 'sample1/federatedingress.yaml', line: 14, column: 28, field: 'spec.template.spec.rules[0].http.paths[0].backend.serviceName', clusters: ['cluster1', 'cluster2'], resource: 'Ingress/test-namespace/test-ingress' },
      { file: 'sample1/federatedingress.yaml', line: 15, column: 28, field: 'spec.template.spec.rules[0].http.paths[0].backend.servicePort', clusters: ['cluster1', 'cluster2'], resource: 'Ingress/test-namespace/test-ingress' },
    ]);
    for (const diagnostic of invalid.slice(1)) {
      expect(diagnostic.message).toContain('extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress, removed in 1.22');
      expect(diagnostic.message).toContain('networking.k8s.io/v1 Ingress backends are `service: {name, port: {number | name}}`');
    }
    expect(found.filter((d) => d.code !== 'ObjectInvalid')).toEqual([]);
  });
});
