/** `gitfed validate` / `render` on KubeFed's examples: what a member would refuse, at file:line, with the exit code. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.ts';

const examples = 'fixtures/kubefed-examples';

describe('gitfed validate', () => {
  it("names the removed Ingress API and its replacement at the sample1 Ingress's lines, and exits 1", async () => {
    const { code, stdout, stderr } = await runCli('validate', '--repo', examples);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[1]).toMatch(/^fixtures\/kubefed-examples\/sample1\/federatedingress\.yaml:14:28 error ObjectInvalid cluster1,cluster2 Ingress\/test-namespace\/test-ingress: .*backend\.serviceName: unknown field/);
    expect(lines[1]).toContain('removed in 1.22');
    expect(lines[1]).toContain('networking.k8s.io/v1 Ingress backends are `service: {name, port: {number | name}}`');
    expect(stdout).toContain('3 errors, 0 warnings');
  });

  it('refuses a --kube-version no schemas are shipped for, with the ones that are', async () => {
    const { code, stderr } = await runCli('validate', '--repo', examples, '--kube-version', '1.20');
    expect(code).toBe(2);
    expect(stderr).toContain('no schemas are shipped for Kubernetes 1.20; --kube-version takes one of 1.34');
  });
});

describe('gitfed render', () => {
  it('leaves the object a member would refuse out of its output, and says why', async () => {
    const { code, stdout, stderr } = await runCli('render', '--repo', examples, '-o', 'json');
    expect(code).toBe(1);
    const json = JSON.parse(stdout) as { clusters: Record<string, { kind: string }[]>; errors: { code: string }[] };
    const kinds = json.clusters.cluster1!.map((object) => object.kind);
    expect(kinds.length).toBeGreaterThan(5);
    expect(kinds).not.toContain('Ingress');
    expect(kinds).toContain('Deployment');
    expect(json.errors.map((e) => e.code)).toEqual(['ObjectInvalid', 'ObjectInvalid', 'ObjectInvalid']);
    expect(stderr).toContain('ObjectInvalid');
  });
});
