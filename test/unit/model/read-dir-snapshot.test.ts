import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitfedError } from '../../../src/model/diagnostic.ts';
import { DEFAULT_MAX_FILE_BYTES, readDirSnapshot } from '../../../src/source/read-dir-snapshot.ts';

const temporary: string[] = [];

afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh folder holding `files` (path → text); returns its path. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-snapshot-'));
  temporary.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

describe('readDirSnapshot', () => {
  it('reads every .yaml and .yml file under repo-relative posix paths, in path order', async () => {
    const dir = await tree({
      'b.yml': 'b: 1\n',
      'a/z.yaml': 'z: 1\n',
      'a.yaml': 'a: 1\n',
      'a-b.yaml': 'ab: 1\n',
      'README.md': '# not a manifest\n',
      'a/notes.txt': 'nope',
      'a/deep/er/x.yaml': 'x: 1\n',
    });
    const snapshot = await readDirSnapshot(dir);
    expect(snapshot.revision).toBeNull();
    expect(snapshot.diagnostics).toEqual([]);
    expect([...snapshot.files.keys()]).toEqual(['a-b.yaml', 'a.yaml', 'a/deep/er/x.yaml', 'a/z.yaml', 'b.yml']);
    expect(snapshot.files.get('a/z.yaml')).toBe('z: 1\n');
  });

  it('skips dot-folders and the report folder', async () => {
    const dir = await tree({
      'app.yaml': 'a: 1\n',
      '.git/config.yaml': 'x: 1\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'status/report.yaml': 'report: 1\n',
      'nested/status/kept.yaml': 'kept: 1\n',
      'reports/gitfed/out.yaml': 'out: 1\n',
    });
    expect([...(await readDirSnapshot(dir)).files.keys()]).toEqual(['app.yaml', 'nested/status/kept.yaml', 'reports/gitfed/out.yaml']);
    expect([...(await readDirSnapshot(dir, { reportPath: './reports/gitfed/' })).files.keys()]).toEqual([
      'app.yaml',
      'nested/status/kept.yaml',
      'status/report.yaml',
    ]);
  });

  it('removes a byte order mark so positions match what editors show', async () => {
    const dir = await tree({ 'bom.yaml': '\ufeffa: 1\n' });
    expect((await readDirSnapshot(dir)).files.get('bom.yaml')).toBe('a: 1\n');
  });

  it('follows symlinks to files and folders that stay inside the repository', async () => {
    const dir = await tree({ 'shared/base.yaml': 'base: 1\n', 'apps/app.yaml': 'app: 1\n' });
    await symlink('../shared/base.yaml', path.join(dir, 'apps/base.yaml'));
    await symlink('shared', path.join(dir, 'linked'));
    const snapshot = await readDirSnapshot(dir);
    expect(snapshot.diagnostics).toEqual([]);
    expect([...snapshot.files.keys()]).toEqual(['apps/app.yaml', 'apps/base.yaml', 'linked/base.yaml', 'shared/base.yaml']);
    expect(snapshot.files.get('apps/base.yaml')).toBe('base: 1\n');
  });

  it('reports symlinks that leave the repository, names where they point, and does not read them', async () => {
    const outside = await tree({ 'secret.yaml': 'password: hunter2\n', 'more/x.yaml': 'x: 1\n' });
    const dir = await tree({ 'app.yaml': 'app: 1\n' });
    await symlink(path.join(outside, 'secret.yaml'), path.join(dir, 'secret.yaml'));
    await symlink(path.join(outside, 'more'), path.join(dir, 'more'));
    await symlink('../../nowhere.yaml', path.join(dir, 'dangling.yaml'));
    await symlink(path.join(outside, 'secret.yaml'), path.join(dir, 'notes.txt'));
    const snapshot = await readDirSnapshot(dir);
    expect([...snapshot.files.keys()]).toEqual(['app.yaml']);
    expect(snapshot.diagnostics.map(({ severity, code, file }) => ({ severity, code, file }))).toEqual([
      { severity: 'error', code: 'SymlinkOutsideRepo', file: 'dangling.yaml' },
      { severity: 'error', code: 'SymlinkOutsideRepo', file: 'more' },
      { severity: 'error', code: 'SymlinkOutsideRepo', file: 'secret.yaml' },
    ]);
    expect(snapshot.diagnostics[2]!.message).toContain(path.join(outside, 'secret.yaml'));
  });

  it('walks a symlinked folder that points back up only once', async () => {
    const dir = await tree({ 'apps/app.yaml': 'app: 1\n' });
    await symlink('..', path.join(dir, 'apps/loop'));
    const snapshot = await readDirSnapshot(dir);
    expect(snapshot.diagnostics).toEqual([]);
    expect([...snapshot.files.keys()]).toEqual(['apps/app.yaml']);
  });

  it('reports files over the size limit with their size and the limit, and does not read them', async () => {
    const dir = await tree({ 'small.yaml': 'a: 1\n', 'big.yaml': `data: "${'x'.repeat(2000)}"\n` });
    const snapshot = await readDirSnapshot(dir, { maxFileBytes: 1024 });
    expect([...snapshot.files.keys()]).toEqual(['small.yaml']);
    expect(snapshot.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'FileTooLarge',
        file: 'big.yaml',
        message: 'file is 2 KiB (2009 bytes), over the 1 KiB (1024 bytes) limit; it is not read',
      },
    ]);
    expect(DEFAULT_MAX_FILE_BYTES).toBe(1024 * 1024);
  });

  it('throws RepoNotFound for a missing folder or a file', async () => {
    const dir = await tree({ 'file.yaml': 'a: 1\n' });
    await expect(readDirSnapshot(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'RepoNotFound' });
    await expect(readDirSnapshot(path.join(dir, 'file.yaml'))).rejects.toBeInstanceOf(GitfedError);
  });

  it('gives the same snapshot for the same tree', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i += 1) files[`d${i % 7}/f${i}.yaml`] = `i: ${i}\n`;
    const dir = await tree(files);
    const [first, second] = await Promise.all([readDirSnapshot(dir), readDirSnapshot(dir)]);
    expect([...first.files]).toEqual([...second.files]);
    expect(first.files.size).toBe(200);
  });

  it('reads 10,000 files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-many-'));
    temporary.push(dir);
    for (let folder = 0; folder < 100; folder += 1) {
      await mkdir(path.join(dir, `team-${folder}`));
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => writeFile(path.join(dir, `team-${folder}`, `app-${i}.yaml`), `name: app-${i}\n`)),
      );
    }
    const snapshot = await readDirSnapshot(dir);
    expect(snapshot.diagnostics).toEqual([]);
    expect(snapshot.files.size).toBe(10_000);
    expect(snapshot.files.get('team-42/app-7.yaml')).toBe('name: app-7\n');
  }, 60_000);
});
