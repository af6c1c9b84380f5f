import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitfedError } from '../../../src/model/diagnostic.ts';
import { openLocalRepo, readRevision, renderRevision, renderRevisionApart, resolveRevision } from '../../../src/source/read-revision.ts';
import type { GitObjects } from '../../../src/source/read-git-snapshot.ts';
import { clusterYaml, federatedNamespaceYaml } from '../../support/repo.ts';

const author = { name: 'gitfed test', email: 'test@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
let dir = '';
let repo: GitObjects;
/** c0 ← c1 ← c2 on main; `side` forks from c0 with s1; `merge` joins main (first parent) and side. */
const commits: Record<'c0' | 'c1' | 'c2' | 's1' | 'merge', string> = { c0: '', c1: '', c2: '', s1: '', merge: '' };

async function commitFile(text: string, message: string, parent?: string[]): Promise<string> {
  await writeFile(path.join(dir, 'clusters.yaml'), text);
  await git.add({ fs, dir, filepath: 'clusters.yaml' });
  return git.commit({ fs, dir, message, author, ...(parent ? { parent } : {}) });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gitfed-resolve-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  commits.c0 = await commitFile(clusterYaml('a'), 'c0');
  await git.branch({ fs, dir, ref: 'side' });
  commits.c1 = await commitFile(clusterYaml('b'), 'c1');
  await git.tag({ fs, dir, ref: 'v1', object: commits.c1 });
  await git.annotatedTag({ fs, dir, ref: 'v1-annotated', object: commits.c1, message: 'release', tagger: author });
  commits.c2 = await commitFile([clusterYaml('b'), federatedNamespaceYaml('app')].join('---\n'), 'c2');
  await git.checkout({ fs, dir, ref: 'side' });
  commits.s1 = await commitFile(clusterYaml('s'), 's1');
  await git.checkout({ fs, dir, ref: 'main' });
  commits.merge = await commitFile(clusterYaml('m'), 'merge', [commits.c2, commits.s1]);
  await git.writeRef({ fs, dir, ref: 'refs/remotes/origin/main', value: commits.c1 });
  repo = await openLocalRepo(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveRevision', () => {
  it('resolves branches, tags, remote branches, full and short commit ids and HEAD', async () => {
    expect(await resolveRevision(repo, 'main')).toBe(commits.merge);
    expect(await resolveRevision(repo, 'HEAD')).toBe(commits.merge);
    expect(await resolveRevision(repo, 'refs/heads/side')).toBe(commits.s1);
    expect(await resolveRevision(repo, 'v1')).toBe(commits.c1);
    expect(await resolveRevision(repo, 'v1-annotated')).toBe(commits.c1);
    expect(await resolveRevision(repo, 'origin/main')).toBe(commits.c1);
    expect(await resolveRevision(repo, commits.c0)).toBe(commits.c0);
    expect(await resolveRevision(repo, commits.c0.slice(0, 8))).toBe(commits.c0);
  });

  it('follows ~N, ^ and ^N to ancestors', async () => {
    expect(await resolveRevision(repo, 'HEAD~1')).toBe(commits.c2);
    expect(await resolveRevision(repo, 'main~3')).toBe(commits.c0);
    expect(await resolveRevision(repo, 'HEAD^')).toBe(commits.c2);
    expect(await resolveRevision(repo, 'HEAD^2')).toBe(commits.s1);
    expect(await resolveRevision(repo, 'HEAD^2~1')).toBe(commits.c0);
    expect(await resolveRevision(repo, 'v1-annotated~1')).toBe(commits.c0);
  });

  it('refuses names that resolve to nothing, with the reason', async () => {
    await expect(resolveRevision(repo, 'nope')).rejects.toMatchObject({ code: 'RepoNotFound', message: expect.stringContaining('revision "nope" not found') });
    await expect(resolveRevision(repo, 'main~9')).rejects.toMatchObject({ code: 'RepoNotFound', message: expect.stringContaining('has no parent') });
    await expect(resolveRevision(repo, 'f'.repeat(40))).rejects.toMatchObject({ code: 'RepoNotFound', message: expect.stringContaining('shallow clone') });
    await expect(resolveRevision(repo, '~1')).rejects.toBeInstanceOf(GitfedError);
  });
});

describe('openLocalRepo', () => {
  it('opens a work tree, a bare repository and a .git file pointing elsewhere; refuses anything else', async () => {
    expect(repo.gitdir).toBe(path.join(dir, '.git'));
    const bare = await openLocalRepo(path.join(dir, '.git'));
    expect(await resolveRevision(bare, 'main')).toBe(commits.merge);
    const pointer = await mkdtemp(path.join(tmpdir(), 'gitfed-gitfile-'));
    try {
      await writeFile(path.join(pointer, '.git'), `gitdir: ${path.join(dir, '.git')}\n`);
      expect(await resolveRevision(await openLocalRepo(pointer), 'v1')).toBe(commits.c1);
      await expect(openLocalRepo(path.join(pointer, 'missing'))).rejects.toMatchObject({ code: 'RepoNotFound' });
    } finally {
      await rm(pointer, { recursive: true, force: true });
    }
  });
});

describe('reading and rendering a revision', () => {
  it('reads a revision without checking it out, and renders it the same on a worker thread', { timeout: 60_000 }, async () => {
    const snapshot = await readRevision(repo, 'main~1');
    expect(snapshot.revision).toBe(commits.c2);
    expect([...snapshot.files.keys()]).toEqual(['clusters.yaml']);
    const here = await renderRevision(repo, commits.c2, { instance: 'review' });
    const apart = await renderRevisionApart(repo, commits.c2, { instance: 'review' });
    expect(apart.clusters).toEqual(here.clusters);
    expect(apart.diagnostics).toEqual(here.diagnostics);
    expect(apart.model.clusters).toEqual(here.model.clusters.map(({ name, labels }) => ({ name, labels })));
    expect(here.clusters.b?.[0]?.metadata.annotations?.['gitfed.io/instance']).toBe('review');
  });

  it('keeps the error code of a failure on the worker thread', { timeout: 60_000 }, async () => {
    await expect(renderRevisionApart(repo, commits.c2, { path: 'no/such/folder' })).rejects.toMatchObject({ code: 'RepoNotFound' });
  });
});
