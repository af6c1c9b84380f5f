/**
 * `gitfed plan` end to end on temporary Git repositories: the quickstart committed as the base, one edit committed
 * on top as the head, both read back from the object database. Commits use a fixed author and timestamp, so their
 * ids (and so the golden files) are the same on every run.
 */
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDirSnapshot } from '../../../src/source/read-dir-snapshot.ts';
import { runCli } from '../../support/run-cli.ts';

const quickstart = 'fixtures/quickstart';
const golden = '../../../fixtures/golden';
const author = { name: 'gitfed test', email: 'test@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

const temporary: string[] = [];
afterAll(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

type Files = Record<string, string>;


const quickstartFiles: Files = Object.fromEntries((await readDirSnapshot(quickstart)).files);

/** `files` with `from` replaced by `to` in `file`; fails loudly when the fixture no longer holds `from`. */
function edit(files: Files, file: string, from: string, to: string): Files {
  const text = files[file];
  if (text === undefined || !text.includes(from)) throw new Error(`fixture ${file} no longer contains ${JSON.stringify(from)}`);
  return { ...files, [file]: text.replace(from, to) };
}

function without(files: Files, file: string): Files {
  if (!(file in files)) throw new Error(`fixture ${file} is gone`);
  const { [file]: _gone, ...rest } = files;
  return rest;
}

/** A repository whose `main` has one commit per revision, in order, each replacing the whole tree. */
async function repoWith(...revisions: Files[]): Promise<{ dir: string; commits: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-plan-'));
  temporary.push(dir);
  await git.init({ fs, dir, defaultBranch: 'main' });
  const commits: string[] = [];
  let previous: string[] = [];
  for (const [index, files] of revisions.entries()) {
    for (const gone of previous.filter((file) => !(file in files))) {
      await rm(path.join(dir, gone));
      await git.remove({ fs, dir, filepath: gone });
    }
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
      await git.add({ fs, dir, filepath: file });
    }
    commits.push(await git.commit({ fs, dir, message: `revision ${index}`, author }));
    previous = Object.keys(files);
  }
  return { dir, commits };
}

const cases: Record<string, Files> = {
  // FederatedDeployment shop/web: env=prod (member1, member2) → env in (prod, staging): all three.
  'selector-moves': edit(
    quickstartFiles,
    'apps/web.yaml',
    '  placement:\n    clusterSelector:\n      matchLabels:\n        env: prod\n  overrides:',
    '  placement:\n    clusterSelector:\n      matchExpressions:\n      - key: env\n        operator: In\n        values: [prod, staging]\n  overrides:',
  ),
  // member3 becomes a prod cluster: it gains everything placed on env=prod.
  'cluster-labels': edit(quickstartFiles, 'clusters/member3.yaml', 'env: staging', 'env: prod'),
  'override': edit(quickstartFiles, 'apps/web-config.yaml', 'value: hello from staging', 'value: hello from the staging cluster'),
  // api's RSP: member1 weighted like the others.
  'rsp-weight': edit(quickstartFiles, 'apps/api.yaml', '    member1:\n      weight: 2', '    member1:\n      weight: 1'),
  'object-removed': without(quickstartFiles, 'apps/ingress.yaml'),
  // placement.clusters must be a list: the FederatedDeployment is dropped, with an error at its line.
  'invalid-head': edit(
    quickstartFiles,
    'apps/web.yaml',
    '  placement:\n    clusterSelector:\n      matchLabels:\n        env: prod\n  overrides:',
    '  placement:\n    clusters: member1\n  overrides:',
  ),
};

// Every plan starts Node worker threads and reads Git: generous limits for busy CI machines.
const slow = { timeout: 60_000 };

describe('gitfed plan golden output', slow, () => {
  for (const [name, head] of Object.entries(cases)) {
    it(`describes the ${name} change as Markdown and JSON`, async () => {
      const { dir } = await repoWith(quickstartFiles, head);
      const markdown = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main');
      const json = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', 'json');
      const expectedCode = name === 'invalid-head' ? 1 : 0;
      expect(markdown.code).toBe(expectedCode);
      expect(json.code).toBe(expectedCode);
      expect(markdown.stdout.split('\n')[0]).toMatch(/^\*\*gitfed plan\*\* `main~1` \(`[0-9a-f]{12}`\) → `main` \(`[0-9a-f]{12}`\): /);
      await expect(markdown.stdout).toMatchFileSnapshot(`${golden}/plan.${name}.md`);
      await expect(json.stdout).toMatchFileSnapshot(`${golden}/plan.${name}.json`);
    });
  }

  it('names the moved deployment in words and shows the new cluster gaining it', async () => {
    const { dir } = await repoWith(quickstartFiles, cases['selector-moves']!);
    const plan = JSON.parse((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', 'json')).stdout);
    expect(plan.placements).toEqual([
      expect.objectContaining({
        federated: 'FederatedDeployment/shop/web',
        before: ['member1', 'member2'],
        after: ['member1', 'member2', 'member3'],
        summary: 'FederatedDeployment shop/web: now on member1, member2 and member3; added to member3',
      }),
    ]);
    expect(plan.clusters.member3).toMatchObject({ added: ['Deployment/shop/web'], removed: [], changed: [] });
    expect(plan.clusters.member1).toMatchObject({ added: [], removed: [], changed: [] });
  });

  it('reports head errors with file and line, on stdout and on stderr', async () => {
    const { dir } = await repoWith(quickstartFiles, cases['invalid-head']!);
    const run = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', 'json');
    const plan = JSON.parse(run.stdout);
    expect(plan.errors).toEqual([expect.objectContaining({ code: 'SchemaInvalid', file: 'apps/web.yaml', line: expect.any(Number) })]);
    expect(run.stderr).toMatch(/apps\/web\.yaml:\d+:\d+ error SchemaInvalid/);
  });
});

describe('gitfed plan exit codes', slow, () => {
  it('exits 0 without changes, and 0 with --detailed-exitcode too', async () => {
    const { dir } = await repoWith(quickstartFiles, { ...quickstartFiles, 'README.md': '# not a manifest\n' });
    const plain = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main');
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')[0]).toContain('no changes to any cluster');
    expect((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '--detailed-exitcode')).code).toBe(0);
  });

  it('exits 0 with changes, and 2 with changes under --detailed-exitcode', async () => {
    const { dir } = await repoWith(quickstartFiles, cases.override!);
    expect((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main')).code).toBe(0);
    expect((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '--detailed-exitcode', '-o', 'json')).code).toBe(2);
  });

  it('exits 1 on errors at head, with or without --detailed-exitcode', async () => {
    const { dir } = await repoWith(quickstartFiles, cases['invalid-head']!);
    expect((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main')).code).toBe(1);
    expect((await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '--detailed-exitcode')).code).toBe(1);
  });

  it('exits 1 naming the revision when a ref names nothing, and 1 when the folder is no repository', async () => {
    const { dir } = await repoWith(quickstartFiles);
    const missing = await runCli('plan', '--repo', dir, '--base', 'no-such-branch', '--head', 'main');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error RepoNotFound revision "no-such-branch" not found');
    const notRepo = await runCli('plan', '--repo', quickstart, '--base', 'main', '--head', 'main');
    expect(notRepo.code).toBe(1);
    expect(notRepo.stderr).toContain('is not a Git repository');
  });

  it('exits 2 (usage) when --head is missing', async () => {
    const { dir } = await repoWith(quickstartFiles);
    const run = await runCli('plan', '--repo', dir, '--base', 'main');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--head <ref>' not specified");
  });

  it('reads the manifests from --path and names files from the repository root', async () => {
    const nested = (files: Files) => Object.fromEntries(Object.entries(files).map(([file, text]) => [`deploy/${file}`, text]));
    const { dir } = await repoWith(nested(quickstartFiles), nested(cases['invalid-head']!));
    const run = await runCli('plan', '--repo', dir, '--path', 'deploy', '--base', 'main~1', '--head', 'main', '-o', 'json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).errors[0].file).toBe('deploy/apps/web.yaml');
  });

  it('renders the same plan on one thread as on two', async () => {
    const { dir } = await repoWith(quickstartFiles, cases['cluster-labels']!);
    const parallel = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', 'json');
    const serial = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', 'json', '--no-parallel');
    expect(serial.stdout).toBe(parallel.stdout);
  });

  it('never prints Secret values, in Markdown or JSON', async () => {
    const head = edit(quickstartFiles, 'apps/web-config.yaml', 'session-key: not-a-real-secret', 'session-key: rotated-session-value');
    const { dir } = await repoWith(quickstartFiles, head);
    for (const output of ['markdown', 'json']) {
      const run = await runCli('plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', output);
      expect(run.stdout).toContain('stringData.session-key');
      expect(run.stdout).not.toContain('not-a-real-secret');
      expect(run.stdout).not.toContain('rotated-session-value');
      expect(run.stdout).not.toContain(Buffer.from('rotated-session-value').toString('base64'));
    }
  });
});
