import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDirSnapshot } from '../../../src/source/read-dir-snapshot.ts';
import { changedOnlyUnder, readGitSnapshot, type GitObjects } from '../../../src/source/read-git-snapshot.ts';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const author = { name: 'test', email: 'test@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

/** A work tree with a fresh repository; `commit` stages everything and commits it. */
async function workTree(): Promise<{ dir: string; repo: GitObjects; write: (files: Record<string, string>) => Promise<void>; commit: () => Promise<string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-git-snapshot-'));
  temporary.push(dir);
  await git.init({ fs, dir, defaultBranch: 'main' });
  const repo: GitObjects = { fs, gitdir: path.join(dir, '.git'), cache: {} };
  return {
    dir,
    repo,
    async write(files) {
      for (const [rel, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await writeFile(path.join(dir, rel), text);
      }
    },
    async commit() {
      await git.add({ fs, dir, filepath: '.' });
      return git.commit({ fs, dir, message: 'change', author });
    },
  };
}

describe('readGitSnapshot', () => {
  it('reads a commit exactly as readDirSnapshot reads the same folder, symlinks and limits included', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'gitfed-outside-'));
    temporary.push(outside);
    await writeFile(path.join(outside, 'secret.yaml'), 'kind: Secret\n');

    const tree = await workTree();
    await tree.write({
      'app.yaml': 'kind: A\n',
      'b.yml': '\uFEFFkind: B\n',
      'nested/deep/x.yaml': 'kind: X\n',
      'nested/notes.txt': 'not a manifest\n',
      'README.md': '# repo\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'status/report.yaml': 'report: 1\n',
      'nested/status/kept.yaml': 'kept: 1\n',
      'big.yaml': `data: ${'x'.repeat(200)}\n`,
    });
    await symlink('app.yaml', path.join(tree.dir, 'alias.yaml'));
    await symlink('nested', path.join(tree.dir, 'linked'));
    await symlink('..', path.join(tree.dir, 'nested', 'loop'));
    await symlink(path.join(outside, 'secret.yaml'), path.join(tree.dir, 'outside.yaml'));
    await symlink('../../../escape.yaml', path.join(tree.dir, 'nested', 'escape.yaml'));
    await symlink('missing.yaml', path.join(tree.dir, 'dangling.yaml'));
    await symlink('README.md', path.join(tree.dir, 'readme-link'));
    const revision = await tree.commit();

    const options = { maxFileBytes: 128 };
    const fromGit = await readGitSnapshot(tree.repo, revision, options);
    const fromDir = await readDirSnapshot(tree.dir, options);
    expect(fromGit.revision).toBe(revision);
    expect([...fromGit.files.entries()]).toEqual([...fromDir.files.entries()]);
    expect(fromGit.diagnostics).toEqual(fromDir.diagnostics);
    // The rules themselves, so a change to both readers at once does not pass unnoticed.
    expect([...fromGit.files.keys()]).toEqual([
      'alias.yaml', 'app.yaml', 'b.yml', 'linked/deep/x.yaml', 'linked/status/kept.yaml', 'nested/deep/x.yaml', 'nested/status/kept.yaml',
    ]);
    expect(fromGit.files.get('b.yml')).toBe('kind: B\n');
    expect(fromGit.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ['FileTooLarge', 'big.yaml'],
      ['FileUnreadable', 'dangling.yaml'],
      ['SymlinkOutsideRepo', 'linked/escape.yaml'],
      ['SymlinkOutsideRepo', 'nested/escape.yaml'],
      ['SymlinkOutsideRepo', 'outside.yaml'],
    ]);
  });

  it('reads only the sub-path, relative to it, and skips the report folder inside it', async () => {
    const tree = await workTree();
    await tree.write({
      'deploy/app.yaml': 'kind: A\n',
      'deploy/status/report.yaml': 'report: 1\n',
      'deploy/team/b.yaml': 'kind: B\n',
      'other/x.yaml': 'kind: X\n',
      'status/top.yaml': 'not the report folder of deploy/\n',
    });
    await symlink('../other/x.yaml', path.join(tree.dir, 'deploy', 'shared.yaml'));
    const revision = await tree.commit();

    const snapshot = await readGitSnapshot(tree.repo, revision, { path: './deploy/' });
    expect([...snapshot.files.keys()]).toEqual(['app.yaml', 'team/b.yaml']);
    expect(snapshot.diagnostics.map((d) => [d.code, d.file])).toEqual([['SymlinkOutsideRepo', 'shared.yaml']]);
    expect([...(await readGitSnapshot(tree.repo, revision, { path: 'deploy', reportPath: 'team' })).files.keys()]).toEqual([
      'app.yaml',
      'status/report.yaml',
    ]);
    await expect(readGitSnapshot(tree.repo, revision, { path: 'nope' })).rejects.toMatchObject({ code: 'RepoNotFound' });
    await expect(readGitSnapshot(tree.repo, revision, { path: 'deploy/app.yaml' })).rejects.toMatchObject({ code: 'RepoNotFound' });
  });
});

describe('changedOnlyUnder', () => {
  it('is true only when every difference lies under the folder', async () => {
    const tree = await workTree();
    await tree.write({ 'deploy/app.yaml': 'kind: A\n', 'deploy/status/report.yaml': 'r: 1\n', 'README.md': 'hi\n' });
    const base = await tree.commit();
    await tree.write({ 'deploy/status/report.yaml': 'r: 2\n', 'deploy/status/README.md': '# new\n', 'deploy/status/sub/more.yaml': 'm\n' });
    const reportOnly = await tree.commit();
    await tree.write({ 'deploy/status.yaml': 'a sibling, not inside\n' });
    const sibling = await tree.commit();
    await tree.write({ 'deploy/status/report.yaml': 'r: 3\n', 'deploy/app.yaml': 'kind: B\n' });
    const both = await tree.commit();
    await tree.write({ 'README.md': 'changed\n' });
    const outside = await tree.commit();

    expect(await changedOnlyUnder(tree.repo, base, base, 'deploy/status')).toBe(true);
    expect(await changedOnlyUnder(tree.repo, base, reportOnly, 'deploy/status')).toBe(true);
    expect(await changedOnlyUnder(tree.repo, reportOnly, base, 'deploy/status')).toBe(true);
    expect(await changedOnlyUnder(tree.repo, reportOnly, sibling, 'deploy/status')).toBe(false);
    expect(await changedOnlyUnder(tree.repo, sibling, both, 'deploy/status')).toBe(false);
    expect(await changedOnlyUnder(tree.repo, both, outside, 'deploy/status')).toBe(false);
    expect(await changedOnlyUnder(tree.repo, base, reportOnly, 'deploy')).toBe(true);
    expect(await changedOnlyUnder(tree.repo, base, reportOnly, 'status')).toBe(false);
  });
});
