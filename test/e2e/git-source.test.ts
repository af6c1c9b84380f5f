/**
 * GitSource against the lab's real smart-HTTP Git server (git http-backend behind basic auth): clone, idle polls
 * that cost one ls-refs, fetches, snapshots at a revision, the report commit and its race with a human push, and
 * credentials. Every request goes through a recording HTTP client, so the tests can say exactly what crossed the
 * wire.
 */
import git from 'isomorphic-git';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { seedBareRepo } from '../../src/lab/index.ts';
import { GitfedError } from '../../src/model/diagnostic.ts';
import { gitAuthCallback, gitCredentials } from '../../src/source/git-credentials.ts';
import { createGitHttpClient, createGitSource, type GitSource, type GitSourceOptions } from '../../src/source/git-source.ts';
import { gitAuth, repoUrl, timedHttp, uniqueName, useLab } from './lab-context.ts';

const run = promisify(execFile);
const lab = useLab();
const logger = pino({ level: process.env.GITFED_LOG_LEVEL ?? 'silent' });
const onAuth = gitAuthCallback(gitCredentials(lab.git.username, lab.git.password));
const human = { name: 'someone', email: 'someone@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
const fixedClock = () => new Date('2024-01-02T03:04:05Z');

const scratch: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gitfed-e2e-gs-${prefix}-`));
  scratch.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** What one request was, from its method, service and protocol header. */
type RequestKind = 'discover-upload' | 'ls-refs' | 'fetch' | 'discover-receive' | 'push';

/** createGitHttpClient() that records each request's kind; `hook` runs after a response of that kind arrives. */
function recordingHttp() {
  const requests: RequestKind[] = [];
  const hooks = new Map<RequestKind, () => Promise<void>>();
  const inner = createGitHttpClient();
  return {
    requests,
    /** Runs `hook` once, after the next response of `kind` has arrived and before isomorphic-git sees it. */
    after(kind: RequestKind, hook: () => Promise<void>) {
      hooks.set(kind, hook);
    },
    take(): RequestKind[] {
      return requests.splice(0);
    },
    http: {
      async request(req: Parameters<typeof inner.request>[0]) {
        const receive = req.url.includes('receive-pack');
        const v2 = Object.entries(req.headers ?? {}).some(([k, v]) => k.toLowerCase() === 'git-protocol' && v.includes('version=2'));
        const kind: RequestKind = (req.method ?? 'GET') === 'GET'
          ? receive ? 'discover-receive' : 'discover-upload'
          : receive ? 'push' : v2 ? 'ls-refs' : 'fetch';
        requests.push(kind);
        const res = await inner.request(req);
        const hook = hooks.get(kind);
        if (hook) {
          hooks.delete(kind);
          await hook();
        }
        return res;
      },
    },
  };
}

/** A lab repository seeded from `files`; returns its name, URL, bare path and first commit. */
async function seeded(files: Record<string, string>) {
  const name = uniqueName('gs');
  const source = await tempDir('seed');
  await writeFiles(source, files);
  const commit = await seedBareRepo(lab.dir, name, source, { message: 'seed', date: '2023-11-14T22:13:20Z' });
  return { name, url: repoUrl(lab, name), bare: join(lab.dir, 'git', `${name}.git`), commit, source };
}

async function tempDirWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('files');
  await writeFiles(dir, files);
  return dir;
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
}

function sourceFor(url: string, http: ReturnType<typeof recordingHttp>, options: Partial<GitSourceOptions> & { dir: string }): GitSource {
  return createGitSource({ url, ...options }, { logger, onAuth, http: http.http, now: fixedClock });
}

/** Someone else's clone: full history, pushes with the git CLI's rules (fast-forward only). */
async function humanClone(url: string) {
  const dir = await tempDir('human');
  const http = timedHttp();
  await git.clone({ fs, http, dir, url, ref: 'main', singleBranch: true, ...gitAuth(lab) });
  return {
    async pushChange(files: Record<string, string>, message = 'human change'): Promise<string> {
      await git.pull({ fs, http, dir, ref: 'main', singleBranch: true, fastForwardOnly: true, author: human, ...gitAuth(lab) });
      await writeFiles(dir, files);
      for (const file of Object.keys(files)) await git.add({ fs, dir, filepath: file });
      const commit = await git.commit({ fs, dir, message, author: human });
      await git.push({ fs, http, dir, remote: 'origin', ref: 'main', ...gitAuth(lab) });
      return commit;
    },
  };
}

async function bare(repo: { bare: string }, ...args: string[]): Promise<string> {
  return (await run('git', ['--git-dir', repo.bare, ...args], { timeout: 10_000 })).stdout.trim();
}

describe('GitSource sync', () => {
  it('clones on the first sync, then an idle sync costs one ls-refs and no fetch', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const dir = await tempDir('cache');
    const source = sourceFor(repo.url, http, { dir });

    expect(await source.sync()).toEqual({ revision: repo.commit, changed: true, transfer: 'clone' });
    expect(http.take()).toEqual(['discover-upload', 'fetch']);
    // Shallow: the clone holds one commit and no work tree.
    expect((await readdir(dir)).sort()).toEqual(['git']);
    expect(fs.readFileSync(join(dir, 'git', 'shallow'), 'utf8').trim()).toBe(repo.commit);

    for (let i = 0; i < 3; i += 1) {
      expect(await source.sync()).toEqual({ revision: repo.commit, changed: false, transfer: 'none' });
      expect(http.take()).toEqual(['discover-upload', 'ls-refs']);
    }

    // A restarted daemon reuses the clone: no transfer, but its first sync reports the revision as changed.
    const restarted = sourceFor(repo.url, http, { dir });
    expect(await restarted.sync()).toEqual({ revision: repo.commit, changed: true, transfer: 'none' });
    expect(http.take()).toEqual(['discover-upload', 'ls-refs']);
  });

  it('fetches a push by someone else at the next sync', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache') });
    await source.sync();
    http.take();

    await writeFiles(repo.source, { 'app.yaml': 'kind: B\n', 'more/db.yaml': 'kind: D\n' });
    const pushed = await seedBareRepo(lab.dir, repo.name, repo.source, { message: 'second' });
    expect(await source.sync()).toEqual({ revision: pushed, changed: true, transfer: 'fetch' });
    expect(http.take()).toEqual(['discover-upload', 'ls-refs', 'discover-upload', 'fetch']);
    expect(Object.fromEntries((await source.snapshot(pushed)).files)).toEqual({ 'app.yaml': 'kind: B\n', 'more/db.yaml': 'kind: D\n' });
    // The revision synced before is still readable.
    expect(Object.fromEntries((await source.snapshot(repo.commit)).files)).toEqual({ 'app.yaml': 'kind: A\n' });
    expect(await source.sync()).toMatchObject({ revision: pushed, changed: false, transfer: 'none' });
  });

  it('replaces the clone with a fresh one once fetches have piled up packs', async () => {
    const repo = await seeded({ 'app.yaml': 'v: 0\n' });
    const http = recordingHttp();
    const dir = await tempDir('cache');
    const source = sourceFor(repo.url, http, { dir, recloneAfterFetches: 2 });
    await source.sync();
    const packs = async () => (await readdir(join(dir, 'git', 'objects', 'pack'))).filter((f) => f.endsWith('.pack')).length;
    const transfers: string[] = [];
    const revisions: string[] = [];
    for (let i = 1; i <= 3; i += 1) {
      await writeFiles(repo.source, { 'app.yaml': `v: ${i}\n` });
      revisions.push(await seedBareRepo(lab.dir, repo.name, repo.source, { message: `v${i}` }));
      const result = await source.sync();
      expect(result.revision).toBe(revisions[i - 1]);
      transfers.push(result.transfer);
    }
    expect(transfers).toEqual(['fetch', 'fetch', 'clone']);
    expect(await packs()).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['git']);
    expect((await source.snapshot(revisions[2]!)).files.get('app.yaml')).toBe('v: 3\n');
    // The revision before the fresh clone is gone: the safe answer is "manifests changed".
    expect(await source.onlyReportChanged(revisions[1]!, revisions[2]!)).toBe(false);
  });

  it('refuses wrong credentials with a clear error that does not contain the password', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const wrongPassword = `${lab.git.password}-wrong`;
    const source = createGitSource(
      { url: repo.url, dir: await tempDir('cache') },
      { logger, onAuth: gitAuthCallback(gitCredentials(lab.git.username, wrongPassword)), http: createGitHttpClient() },
    );
    const err = await source.sync().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitfedError);
    expect(err).toMatchObject({ code: 'UsageError', cause: { code: 'HttpError', data: { statusCode: 401 } } });
    const message = (err as Error).message;
    expect(message).toContain('refused the credentials (HTTP 401');
    expect(message).toContain(repo.url);
    expect(message).not.toContain(wrongPassword);
    expect(message).not.toContain(lab.git.password);

    const anonymous = createGitSource({ url: repo.url, dir: await tempDir('cache') }, { logger, http: createGitHttpClient() });
    await expect(anonymous.sync()).rejects.toThrow(/asks for credentials and none are configured \(HTTP 401/);
  });

  it('says which branch is missing', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache'), branch: 'release' });
    await expect(source.sync()).rejects.toMatchObject({ code: 'RepoNotFound', message: expect.stringContaining('branch release does not exist') });
  });
});

describe('GitSource hygiene', () => {
  it('keeps credentials out of the clone and the logs, at debug level, through clone, fetch and push', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const dir = await tempDir('cache');
    const source = createGitSource({ url: repo.url, dir }, { logger: pino({ level: 'debug' }, sink), onAuth, http: createGitHttpClient() });
    await source.sync();
    await seedBareRepo(lab.dir, repo.name, await tempDirWith({ 'app.yaml': 'kind: B\n' }), { message: 'second' });
    await source.sync();
    await source.commitReport(new Map([['report.yaml', 'r\n']]), 'gitfed: status report');
    const basic = Buffer.from(`${lab.git.username}:${lab.git.password}`).toString('base64');
    expect(lines.length).toBeGreaterThan(3);
    for (const text of [lines.join(''), await readFile(join(dir, 'git', 'config'), 'utf8')]) {
      expect(text).not.toContain(lab.git.password);
      expect(text).not.toContain(basic);
      expect(text.toLowerCase()).not.toContain('authorization');
    }
  });

  it('runs overlapping calls one at a time', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache') });
    const [first, second, report, third] = await Promise.all([
      source.sync(),
      source.sync(),
      source.commitReport(new Map([['report.yaml', 'r\n']]), 'gitfed: status report'),
      source.sync(),
    ]);
    expect(first).toMatchObject({ revision: repo.commit, changed: true, transfer: 'clone' });
    expect(second).toMatchObject({ revision: repo.commit, changed: false, transfer: 'none' });
    expect(report.committed).toBe(true);
    // The report landed on the synced revision, so it is the synced revision now.
    expect(third).toEqual({ revision: report.revision, changed: false, transfer: 'none' });
  });

  it('follows the branch back when it is reset to an older commit, and reports on top of that', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache') });
    await source.sync();
    await writeFiles(repo.source, { 'app.yaml': 'kind: B\n' });
    const second = await seedBareRepo(lab.dir, repo.name, repo.source, { message: 'second' });
    expect(await source.sync()).toMatchObject({ revision: second, transfer: 'fetch' });
    await bare(repo, 'update-ref', 'refs/heads/main', repo.commit); // a force push back to the seed
    expect(await source.sync()).toEqual({ revision: repo.commit, changed: true, transfer: 'none' });
    const result = await source.commitReport(new Map([['report.yaml', 'r\n']]), 'gitfed: status report');
    expect(await bare(repo, 'rev-parse', `${result.revision}^`)).toBe(repo.commit);
    expect(await bare(repo, 'show', 'main:app.yaml')).toBe('kind: A');
  });
});

describe('GitSource snapshot', () => {
  it('reads the manifests of a revision under the sub-path, skipping dot-folders and the report folder', async () => {
    const repo = await seeded({
      'deploy/app.yaml': 'kind: A\n',
      'deploy/team/web.yml': 'kind: W\n',
      'deploy/status/report.yaml': 'kind: StatusReport\n',
      'deploy/.hidden/x.yaml': 'kind: X\n',
      'deploy/README.md': '# not a manifest\n',
      'other/app.yaml': 'kind: O\n',
    });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache'), path: 'deploy' });
    const { revision } = await source.sync();
    http.take();
    const snapshot = await source.snapshot(revision);
    expect(snapshot.revision).toBe(revision);
    expect(Object.fromEntries(snapshot.files)).toEqual({ 'app.yaml': 'kind: A\n', 'team/web.yml': 'kind: W\n' });
    expect(snapshot.diagnostics).toEqual([]);
    expect(http.take()).toEqual([]); // read from the object database, no network

    await expect(source.snapshot('0'.repeat(40))).rejects.toMatchObject({ code: 'RepoNotFound' });
    const missingPath = sourceFor(repo.url, http, { dir: await tempDir('cache'), path: 'nope' });
    await expect(missingPath.snapshot((await missingPath.sync()).revision)).rejects.toMatchObject({ code: 'RepoNotFound' });
  });
});

describe('GitSource report commit', () => {
  const report = (text: string) => new Map([['report.yaml', text], ['README.md', `# Status\n\n${text}`]]);

  it('commits the report only when its bytes change, and its own commit needs no reconcile', async () => {
    const repo = await seeded({ 'deploy/app.yaml': 'kind: A\n', 'deploy/status/keep.txt': 'a human file\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache'), path: 'deploy' });
    const { revision: applied } = await source.sync();
    http.take();

    const first = await source.commitReport(report('ready: 1\n'), 'gitfed: status report');
    expect(first.committed).toBe(true);
    expect(http.take()).toEqual(['discover-receive', 'push']);
    expect(await bare(repo, 'rev-parse', 'main')).toBe(first.revision);
    expect(await bare(repo, 'rev-parse', `${first.revision}^`)).toBe(applied);
    expect(await bare(repo, 'show', 'main:deploy/status/report.yaml')).toBe('ready: 1');
    expect(await bare(repo, 'show', 'main:deploy/status/keep.txt')).toBe('a human file');
    expect(await bare(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%at|%s', 'main')).toBe(
      `gitfed <gitfed@localhost>|gitfed <gitfed@localhost>|${fixedClock().getTime() / 1000}|gitfed: status report`,
    );
    expect(await bare(repo, 'diff', '--name-only', applied, first.revision)).toBe('deploy/status/README.md\ndeploy/status/report.yaml');

    // The same bytes again: nothing written, nothing sent.
    expect(await source.commitReport(report('ready: 1\n'), 'gitfed: status report')).toEqual({ committed: false, revision: first.revision });
    expect(http.take()).toEqual([]);
    expect(await bare(repo, 'rev-list', '--count', 'main')).toBe('2');

    // Its own commit is the synced revision now; were it not, it would still need no reconcile.
    expect(await source.sync()).toEqual({ revision: first.revision, changed: false, transfer: 'none' });
    expect(await source.onlyReportChanged(applied, first.revision)).toBe(true);

    const second = await source.commitReport(report('ready: 2\n'), 'gitfed: status report');
    expect(second.committed).toBe(true);
    expect(await bare(repo, 'rev-list', '--count', 'main')).toBe('3');
    expect(await source.onlyReportChanged(applied, second.revision)).toBe(true);
  });

  it('replaces the detail folder whole: new pages written, pages no longer given deleted, the same pages commit nothing', async () => {
    const repo = await seeded({ 'deploy/app.yaml': 'kind: A\n', 'deploy/status/keep.txt': 'a human file\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache'), path: 'deploy' });
    const { revision: applied } = await source.sync();
    const pages = (names: string[], text = 'page') => new Map([...report('big\n'), ...names.map((name): [string, string] => [`details/${name}`, `${text} ${name}\n`])]);
    const replace = { replace: ['details'] };
    const listed = async (revision: string) => (await bare(repo, 'ls-tree', '-r', '--name-only', revision, 'deploy/status/')).split('\n').filter((line) => line !== '');

    const first = await source.commitReport(pages(['team-a.md', 'team-a_2.md', 'team-b.md', '_index.md']), 'gitfed: status report', replace);
    expect(first.committed).toBe(true);
    expect(await listed(first.revision)).toEqual([
      'deploy/status/README.md', 'deploy/status/details/_index.md', 'deploy/status/details/team-a.md', 'deploy/status/details/team-a_2.md',
      'deploy/status/details/team-b.md', 'deploy/status/keep.txt', 'deploy/status/report.yaml',
    ]);
    expect(await source.commitReport(pages(['team-a.md', 'team-a_2.md', 'team-b.md', '_index.md']), 'gitfed: status report', replace)).toEqual({ committed: false, revision: first.revision });

    // team-a shrank to one page and team-b left Git: their old pages go; the human file outside details/ stays.
    const second = await source.commitReport(pages(['team-a.md', '_index.md'], 'smaller'), 'gitfed: status report', replace);
    expect(second.committed).toBe(true);
    expect(await listed(second.revision)).toEqual(['deploy/status/README.md', 'deploy/status/details/_index.md', 'deploy/status/details/team-a.md', 'deploy/status/keep.txt', 'deploy/status/report.yaml']);
    expect(await bare(repo, 'show', `${second.revision}:deploy/status/details/team-a.md`)).toBe('smaller team-a.md');

    // Back to a small fleet: no pages at all, so the folder goes.
    const third = await source.commitReport(report('big\n'), 'gitfed: status report', replace);
    expect(third.committed).toBe(true);
    expect(await listed(third.revision)).toEqual(['deploy/status/README.md', 'deploy/status/keep.txt', 'deploy/status/report.yaml']);
    expect(await source.commitReport(report('big\n'), 'gitfed: status report', replace)).toEqual({ committed: false, revision: third.revision });
    expect(await source.onlyReportChanged(applied, third.revision)).toBe(true);
  });

  it('tells a report-only commit from a manifest change', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache') });
    const { revision: base } = await source.sync();
    const someone = await humanClone(repo.url);
    const reportEdit = await someone.pushChange({ 'status/README.md': '# edited by hand\n' });
    const manifestEdit = await someone.pushChange({ 'app.yaml': 'kind: B\n' });
    expect(await source.sync()).toMatchObject({ revision: manifestEdit, changed: true });
    // depth 1 fetch: the commit in between is not here, only the two tips matter
    expect(await source.onlyReportChanged(base, manifestEdit)).toBe(false);
    await expect(source.snapshot(reportEdit)).rejects.toMatchObject({ code: 'RepoNotFound' });

    const onlyReport = await someone.pushChange({ 'status/report.yaml': 'by hand\n' });
    expect(await source.sync()).toMatchObject({ revision: onlyReport, changed: true, transfer: 'fetch' });
    expect(await source.onlyReportChanged(manifestEdit, onlyReport)).toBe(true);
    expect(await source.onlyReportChanged(base, onlyReport)).toBe(false);
  });

  it('rebuilds the report on a push that landed before its own, losing nothing', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache') });
    const { revision: applied } = await source.sync();
    const someone = await humanClone(repo.url);
    const theirs = await someone.pushChange({ 'app.yaml': 'kind: B\n' }, 'human: change the app');
    http.take();

    const result = await source.commitReport(report('ready: 1\n'), 'gitfed: status report');
    expect(result.committed).toBe(true);
    // Rejected before sending (not a fast-forward), fetched, rebuilt, pushed.
    expect(http.take()).toEqual(['discover-receive', 'discover-upload', 'fetch', 'discover-receive', 'push']);
    expect(await bare(repo, 'rev-parse', 'main')).toBe(result.revision);
    expect(await bare(repo, 'rev-parse', `${result.revision}^`)).toBe(theirs);
    expect(await bare(repo, 'rev-list', '--count', 'main')).toBe('3');
    expect(await bare(repo, 'show', 'main:app.yaml')).toBe('kind: B');
    expect(await bare(repo, 'show', 'main:status/report.yaml')).toBe('ready: 1');

    // Their commit still needs a reconcile: the next sync reports a change, and not a report-only one.
    const next = await source.sync();
    expect(next).toEqual({ revision: result.revision, changed: true, transfer: 'none' });
    expect(await source.onlyReportChanged(applied, next.revision)).toBe(false);
    // No loop: the same report is not committed again.
    expect((await source.commitReport(report('ready: 1\n'), 'gitfed: status report')).committed).toBe(false);
  });

  it('survives a push that lands between its ref discovery and its pack upload', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const dir = await tempDir('cache');
    const source = sourceFor(repo.url, http, { dir });
    await source.sync();
    const someone = await humanClone(repo.url);
    let theirs = '';
    // The server told gitfed the old tip; the human push lands before gitfed's pack does.
    http.after('discover-receive', async () => {
      theirs = await someone.pushChange({ 'other.yaml': 'kind: O\n' }, 'human: race');
    });
    http.take();

    const result = await source.commitReport(report('ready: 1\n'), 'gitfed: status report');
    expect(result.committed).toBe(true);
    // The server refused the stale update (GitPushError), then fetch, rebuild, push.
    expect(http.take()).toEqual(['discover-receive', 'push', 'discover-upload', 'fetch', 'discover-receive', 'push']);
    expect(await bare(repo, 'rev-parse', 'main')).toBe(result.revision);
    expect(await bare(repo, 'rev-parse', `${result.revision}^`)).toBe(theirs);
    await run('git', ['--git-dir', repo.bare, 'merge-base', '--is-ancestor', theirs, result.revision]);
    expect(await bare(repo, 'rev-list', '--count', 'main')).toBe('3');
    expect(await bare(repo, 'rev-list', '--merges', '--count', 'main')).toBe('0');
    expect(await bare(repo, 'show', 'main:other.yaml')).toBe('kind: O');
    expect(await bare(repo, 'show', 'main:status/report.yaml')).toBe('ready: 1');
    // Nothing half-done is left locally: no scratch ref.
    await expect(git.resolveRef({ fs, gitdir: join(dir, 'git'), ref: 'refs/gitfed/report' })).rejects.toMatchObject({ code: 'NotFoundError' });
  });

  it('gives up after maxPushAttempts when the branch keeps moving, pushing nothing', async () => {
    const repo = await seeded({ 'app.yaml': 'kind: A\n' });
    const http = recordingHttp();
    const source = sourceFor(repo.url, http, { dir: await tempDir('cache'), maxPushAttempts: 2 });
    await source.sync();
    const someone = await humanClone(repo.url);
    let pushes = 0;
    const race = () =>
      http.after('discover-receive', async () => {
        pushes += 1;
        await someone.pushChange({ 'other.yaml': `n: ${pushes}\n` });
        race();
      });
    race();
    await expect(source.commitReport(report('ready: 1\n'), 'gitfed: status report')).rejects.toThrow(/rejected 2 times/);
    http.after('discover-receive', async () => {});
    expect((await bare(repo, 'log', '--format=%ae', 'main')).split('\n')).toEqual(['someone@gitfed.invalid', 'someone@gitfed.invalid', 'lab@gitfed.invalid']);
  });
});
