/**
 * `gitfed plan --live` against the lab: a base revision is applied, then the plan to a head revision (read from a
 * temporary Git repository) is compared with what the members hold, through server-side dry-runs. Nothing may be
 * written by the plan. Own namespace and gitfed instance, removed afterwards.
 */
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyKit, configMapRef, dataOf, federatedConfigMap, federatedNamespace, kubeFedClusters, yamlOf } from '../support/e2e-repo.ts';
import { runCli } from '../support/run-cli.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1, m2] = members as [string, string, string];
const kit = applyKit(lab.kubeconfig, members);
const author = { name: 'gitfed e2e', email: 'e2e@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

beforeAll(kit.open);
afterEach(kit.cleanUp);
afterAll(kit.close);

const gitDirs: string[] = [];
afterAll(async () => {
  await Promise.all(gitDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A Git repository with one commit per revision on `main`; every revision names all its files. */
async function gitRepo(...revisions: Record<string, string>[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-e2e-plan-'));
  gitDirs.push(dir);
  await git.init({ fs, dir, defaultBranch: 'main' });
  for (const [index, files] of revisions.entries()) {
    for (const [file, text] of Object.entries(files)) {
      await writeFile(path.join(dir, file), text);
      await git.add({ fs, dir, filepath: file });
    }
    await git.commit({ fs, dir, message: `revision ${index}`, author });
  }
  return dir;
}

interface LiveChange {
  id: string;
  action: string;
  propagation: string;
  fields?: string[];
}

describe('gitfed plan --live against the lab', () => {
  it('reports what applying head would change in each member today, and writes nothing', async () => {
    const s = await kit.scenario('plan-live');
    const app = (color: string, extra: boolean) =>
      yamlOf(
        federatedNamespace(s.namespace),
        federatedConfigMap({ name: 'settings', namespace: s.namespace, data: { color } }),
        ...(extra ? [federatedConfigMap({ name: 'extra', namespace: s.namespace, placement: [m1], data: { added: 'extra' } })] : []),
      );
    await s.revision({ 'app.yaml': app('blue', false) });
    const applied = await s.apply();
    expect(applied.report.clusters[m1]?.reachable).toBe(true);

    const clusters = kubeFedClusters(members);
    const dir = await gitRepo({ 'clusters.yaml': clusters, 'app.yaml': app('blue', false) }, { 'clusters.yaml': clusters, 'app.yaml': app('green', true) });
    const args = ['plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '--live', '--kubeconfig', lab.kubeconfig, '--instance', s.instance];
    const run = await runCli(...args, '-o', 'json');
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      clusters: Record<string, { added: string[]; changed: { id: string; fields: { path: string }[] }[] }>;
      live: Record<string, { reachable: boolean; changes: LiveChange[] }>;
    };

    const settings = `ConfigMap/${s.namespace}/settings`;
    const extra = `ConfigMap/${s.namespace}/extra`;
    // Offline, Git against Git:
    expect(plan.clusters[m1]?.added).toEqual([extra]);
    expect(plan.clusters[m2]?.changed).toEqual([{ id: settings, fields: [{ path: 'data.color', before: 'blue', after: 'green' }] }]);
    // Live, head against the members:
    expect(Object.keys(plan.live)).toEqual([...members].sort());
    for (const member of members) {
      expect(plan.live[member]?.reachable).toBe(true);
      expect(plan.live[member]?.changes).toContainEqual(
        expect.objectContaining({ id: settings, action: 'configured', propagation: 'ClusterPropagationOK', fields: expect.arrayContaining(['data.color']) }),
      );
      // The namespace is as desired already: unchanged objects are not listed.
      expect(plan.live[member]?.changes.map((change) => change.id)).not.toContain(`Namespace/${s.namespace}`);
    }
    expect(plan.live[m1]?.changes).toContainEqual({ id: extra, action: 'created', propagation: 'ClusterPropagationOK' });
    expect(plan.live[m2]?.changes.map((change) => change.id)).not.toContain(extra);

    // A plan is a dry run: the members still hold the base revision, and --detailed-exitcode says there is work.
    expect(dataOf(await kit.mustLive(m1, configMapRef(s.namespace, 'settings')))).toEqual({ color: 'blue' });
    expect(await kit.live(m1, configMapRef(s.namespace, 'extra'))).toBeNull();
    const markdown = await runCli(...args, '--detailed-exitcode');
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toContain('### Live: what applying head would change today');
    expect(markdown.stdout).toContain(`- created \`${extra}\``);
  });

  it('sees a hand edit in a member that Git did not make', async () => {
    const s = await kit.scenario('plan-drift');
    const files = { 'app.yaml': yamlOf(federatedNamespace(s.namespace), federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [m1], data: { color: 'blue' } })) };
    await s.revision(files);
    await s.apply();
    await kit.observer.get(m1).mergePatch(configMapRef(s.namespace, 'settings'), { data: { color: 'red' } });

    const dir = await gitRepo({ 'clusters.yaml': kubeFedClusters(members), ...files });
    const run = await runCli('plan', '--repo', dir, '--base', 'main', '--head', 'main', '--live', '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json', '--detailed-exitcode');
    const plan = JSON.parse(run.stdout) as { summary: { clustersChanged: number }; live: Record<string, { changes: LiveChange[] }> };
    expect(plan.summary.clustersChanged).toBe(0);
    expect(plan.live[m1]?.changes).toEqual([
      expect.objectContaining({ id: `ConfigMap/${s.namespace}/settings`, action: 'configured', fields: ['data.color'] }),
    ]);
    expect(run.code).toBe(2);
  });
});
