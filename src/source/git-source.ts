/**
 * GitSource over isomorphic-git and smart HTTP (effect: network, a cache folder on disk).
 *
 * The local clone is a cache, never a work tree: a shallow (depth 1), single-branch clone with no checkout, in a
 * folder of its own (`defaultGitCacheDir`). Anything odd about it (another URL, a missing ref, a half-finished
 * clone) is answered with a fresh clone; nothing in it is precious.
 *
 * - `sync()` clones once; afterwards it asks the remote for the branch tip with one protocol-v2 `ls-refs`
 *   (a capability GET plus the ls-refs POST, filtered to the branch, so a host with thousands of refs costs the
 *   same as one with one) and fetches (depth 1) only when that commit is not already here. `changed` compares with
 *   the revision the previous `sync()` of this GitSource returned; the first call always says changed.
 * - `snapshot(revision)` reads the manifests of a commit from the object database (`readGitSnapshot`).
 * - `onlyReportChanged(from, to)`: every file that differs lies under the report folder, so the commit needs no
 *   reconcile. A `from` that is no longer in the clone (after a fresh clone) answers false: reconciling is the safe
 *   side.
 * - `commitReport(files, message)` writes `files` into the report folder on top of the remote tip as
 *   `gitfed <gitfed@localhost>`, only when a byte changes; other files in the folder are left alone, except in
 *   the sub-folders named in `options.replace` (the report's `details/`), whose content becomes exactly the
 *   given files: a page no longer written is deleted, and a folder left empty is removed. A rejected
 *   push (someone pushed meanwhile: isomorphic-git's PushRejectedError 'not-fast-forward' before sending, or the
 *   server's GitPushError when the race is lost on the server) fetches the new tip, rebuilds the commit on it and
 *   pushes again, up to `maxPushAttempts`; never a merge, never a force. Nothing moves locally until a push
 *   succeeds: the commit goes out from a scratch ref, deleted afterwards, so a failed push leaves only unreferenced
 *   objects. When the report lands directly on the synced revision, that commit becomes the synced revision (the
 *   next `sync()` says unchanged); when it landed on someone else's commit, the next `sync()` says changed, so that
 *   commit is reconciled.
 * - Growth is bounded: every fetch adds a pack and every report commit a few loose objects. After
 *   `recloneAfterFetches` of those, or once the object store exceeds `recloneAboveBytes`, the next sync() makes a
 *   fresh shallow clone of the tip in a new folder, which then replaces the old one (instead of its fetch, when the
 *   tip moved). Revisions before it are gone from the clone afterwards.
 *
 * The report folder (`reportPath`) is relative to `path` (the manifests folder), as for a plain directory, so two
 * gitfed instances reading two folders of one repository keep separate reports.
 *
 * Credentials come from `deps.onAuth` and travel only in an Authorization header, sent with the first request
 * (saves the 401 round trip); never in the URL (`checkRepoUrl` refuses that), `.git/config` or a log line.
 * Operations on one GitSource run one at a time.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import git, { Errors, type AuthCallback, type GitHttpRequest, type GitHttpResponse, type HttpClient, type TreeEntry } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { checkRepoUrl, GIT_PASSWORD_ENV, GIT_USERNAME_ENV } from './git-credentials.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_REPORT_PATH } from './read-dir-snapshot.ts';
import { changedOnlyUnder, readGitSnapshot, splitPath, type GitObjects } from './read-git-snapshot.ts';

export interface GitSourceOptions {
  /** `https://HOST/OWNER/REPO.git`, without credentials. */
  url: string;
  /** Default `main`. */
  branch?: string;
  /** Cache folder for the clone, outside any work tree; see defaultGitCacheDir. */
  dir: string;
  /** Folder of the repository holding the manifests. Default: the root. */
  path?: string;
  /** Report folder, relative to `path`. Default `status`. */
  reportPath?: string;
  /** Manifest blobs larger than this are reported, not read. Default 1 MiB. */
  maxFileBytes?: number;
  /** Author and committer of report commits. Default `gitfed <gitfed@localhost>`. */
  author?: { name: string; email: string };
  /** Pushes tried before commitReport gives up on a branch that keeps moving. Default 5. */
  maxPushAttempts?: number;
  /** Fresh clone after this many fetches and report commits. Default 50. */
  recloneAfterFetches?: number;
  /** Fresh clone once the object store is larger than this. Default 256 MiB. */
  recloneAboveBytes?: number;
}

export interface GitSourceDeps {
  logger: Logger;
  /** Credentials (see gitAuthCallback); anonymous when absent. */
  onAuth?: AuthCallback;
  /** Default: createGitHttpClient(). */
  http?: HttpClient;
  /** Clock for commit timestamps. Default: the wall clock. */
  now?: () => Date;
}

export interface SyncResult {
  /** The branch tip now in the clone. */
  revision: string;
  /** False when `revision` is the one the previous sync() returned. */
  changed: boolean;
  /** What crossed the network besides ls-refs. */
  transfer: 'none' | 'fetch' | 'clone';
}

export interface CommitReportOptions {
  /** Sub-folders of the report folder that hold exactly the given files: any other file in them is deleted. */
  replace?: readonly string[];
}

export interface CommitReportResult {
  /** False when the report folder already held these bytes (nothing was pushed). */
  committed: boolean;
  /** The branch tip holding the report: the new commit, or the tip that already had it. */
  revision: string;
}

export interface GitSource {
  readonly url: string;
  readonly branch: string;
  /** The report folder, relative to the repository root (`path` + `reportPath`). */
  readonly reportFolder: string;
  sync(): Promise<SyncResult>;
  snapshot(revision: string): Promise<Snapshot>;
  onlyReportChanged(from: string, to: string): Promise<boolean>;
  commitReport(files: ReadonlyMap<string, string>, message: string, options?: CommitReportOptions): Promise<CommitReportResult>;
  /**
   * The commit whose manifests `tip` carries: the parent of a report commit this source made (same author, one
   * parent, only the report folder changed where that can be checked), else `tip` itself. After a restart the
   * tip is often gitfed's own report commit; naming it as the applied revision would change the report and so
   * make another report commit.
   */
  manifestsRevision(tip: string): Promise<string>;
}

export const DEFAULT_BRANCH = 'main';
export const DEFAULT_AUTHOR = { name: 'gitfed', email: 'gitfed@localhost' } as const;
const DEFAULT_MAX_PUSH_ATTEMPTS = 5;
const DEFAULT_RECLONE_AFTER_FETCHES = 50;
const DEFAULT_RECLONE_ABOVE_BYTES = 256 * 1024 * 1024;
/** Where a report commit waits while it is pushed; never left behind. */
const PUSH_REF = 'refs/gitfed/report';
const FILE_MODE = '100644';
const TREE_MODE = '040000';

/** `$XDG_CACHE_HOME/gitfed/repos/<hash of url and branch>` (or `~/.cache/…`). */
export function defaultGitCacheDir(url: string, branch: string, where: { env: Readonly<Record<string, string | undefined>>; homedir: string }): string {
  const base = where.env.XDG_CACHE_HOME || path.join(where.homedir, '.cache');
  const key = createHash('sha256').update(`${url}#${branch}`).digest('hex').slice(0, 16);
  return path.join(base, 'gitfed', 'repos', key);
}

export interface GitHttpClientOptions {
  /** A request that receives nothing for this long is aborted. Default 30 s. */
  idleTimeoutMs?: number;
  /** A request (including its body) that takes longer than this is aborted. Default 10 min. */
  timeoutMs?: number;
}

/**
 * isomorphic-git's node HTTP client with deadlines: aborts a request that stalls or runs too long, including while
 * its body streams (the plain client can wait forever on a connection that dies mid-body).
 */
export function createGitHttpClient(options: GitHttpClientOptions = {}): HttpClient {
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const totalMs = options.timeoutMs ?? 600_000;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const idle = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const poke = () => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(new Error(`no data from the Git server for ${idleMs / 1000} s`)), idleMs);
        timer.unref();
      };
      const signals = [idle.signal, AbortSignal.timeout(totalMs), ...(req.signal ? [req.signal] : [])];
      const signal = AbortSignal.any(signals);
      poke();
      try {
        const res = await abortable(nodeHttp.request({ ...req, signal }), signal);
        poke();
        return { ...res, body: guardBody(res.body, signal, poke, () => clearTimeout(timer)) };
      } catch (err) {
        clearTimeout(timer);
        throw err;
      }
    },
  };
}

async function* guardBody(
  body: GitHttpResponse['body'],
  signal: AbortSignal,
  poke: () => void,
  done: () => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!body) return done();
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await abortable(iterator.next(), signal);
      if (next.done) return;
      poke();
      if (next.value) yield next.value;
    }
  } finally {
    done();
    await iterator.return?.();
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function createGitSource(options: GitSourceOptions, deps: GitSourceDeps): GitSource {
  const url = checkRepoUrl(options.url);
  const branch = options.branch ?? DEFAULT_BRANCH;
  checkBranch(branch);
  const rootSegments = checkRelative(options.path ?? '', '--path');
  const reportSegments = checkRelative(options.reportPath ?? DEFAULT_REPORT_PATH, '--report-path');
  if (reportSegments.length === 0) throw new GitfedError('UsageError', 'the report path must name a folder, not the manifests root');
  const reportPrefix = [...rootSegments, ...reportSegments].join('/');
  const author = options.author ?? DEFAULT_AUTHOR;
  const maxPushAttempts = Math.max(1, options.maxPushAttempts ?? DEFAULT_MAX_PUSH_ATTEMPTS);
  const recloneAfterFetches = options.recloneAfterFetches ?? DEFAULT_RECLONE_AFTER_FETCHES;
  const recloneAboveBytes = options.recloneAboveBytes ?? DEFAULT_RECLONE_ABOVE_BYTES;
  const http = deps.http ?? createGitHttpClient();
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'git-source', url, branch });

  const dir = path.resolve(options.dir);
  const gitdir = path.join(dir, 'git');
  const nextGitdir = path.join(dir, 'git.next');
  const oldGitdir = path.join(dir, 'git.old');
  const branchRef = `refs/heads/${branch}`;
  const trackingRef = `refs/remotes/origin/${branch}`;

  /** isomorphic-git's object cache for the clone in `gitdir`; replaced with the clone. */
  let cache: object = {};
  let opened = false;
  let synced: string | undefined;
  /** Fetches and report commits since the clone was made (packs on disk count for an existing clone). */
  let growth = 0;
  /** Why the next sync() makes a fresh clone, once growth says so. */
  let recloneDue: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const objects = (): GitObjects => ({ fs, gitdir, cache });

  /** Runs operations one at a time: they share the clone, which a fresh clone replaces. */
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  let hasCredentials = false;
  /** A fresh headers object per call: isomorphic-git adds to the one it is given. */
  async function headers(): Promise<Record<string, string>> {
    const auth = deps.onAuth ? await deps.onAuth(url, {}) : undefined;
    hasCredentials = false;
    if (!auth) return {};
    if (auth.cancel) throw new GitfedError('UsageError', `no credentials for ${url}`);
    const out: Record<string, string> = { ...auth.headers };
    if (auth.username || auth.password) {
      out.Authorization = `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}`;
    }
    hasCredentials = 'Authorization' in out || 'authorization' in out;
    return out;
  }

  /** A remote failure as a GitfedError saying what was tried; the cause keeps isomorphic-git's error. */
  function remoteError(action: string, err: unknown): GitfedError {
    if (err instanceof GitfedError) return err;
    const e = err as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } };
    const where = `${action} ${url}`;
    if (e.code === Errors.HttpError.code) {
      const status = `HTTP ${e.data?.statusCode} ${e.data?.statusMessage ?? ''}`.trim();
      if (e.data?.statusCode === 401 || e.data?.statusCode === 403) {
        const refused = hasCredentials ? 'refused the credentials' : 'asks for credentials and none are configured';
        return new GitfedError(
          'UsageError',
          `${where}: the Git server ${refused} (${status}); check --git-credentials-file or ${GIT_USERNAME_ENV}/${GIT_PASSWORD_ENV}`,
          {},
          { cause: err },
        );
      }
      if (e.data?.statusCode === 404) {
        return new GitfedError('RepoNotFound', `${where}: no repository there (${status})`, {}, { cause: err });
      }
      return new GitfedError('InternalError', `${where}: the Git server answered ${status}`, {}, { cause: err });
    }
    if (e.code === Errors.NotFoundError.code) {
      return new GitfedError('RepoNotFound', `${where}: branch ${branch} does not exist`, {}, { cause: err });
    }
    const reason = e.message ?? String(err);
    return new GitfedError('InternalError', `${where} failed: ${reason}`, {}, { cause: err });
  }

  /** Uses the clone already in `dir` when it is one of this URL and branch; clears anything else. */
  async function openClone(): Promise<boolean> {
    if (opened) return true;
    await rm(nextGitdir, { recursive: true, force: true });
    await rm(oldGitdir, { recursive: true, force: true });
    try {
      const configured = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' });
      if (configured !== url) throw new Error(`the clone is of ${String(configured)}`);
      const tip = await git.resolveRef({ fs, gitdir, ref: trackingRef });
      await git.readCommit({ fs, gitdir, cache, oid: tip });
      await git.resolveRef({ fs, gitdir, ref: branchRef });
      opened = true;
      growth = Math.max(0, (await packCount()) - 1);
      await noteGrowth(0);
      logger.debug({ dir: gitdir, revision: tip, growth }, 'using the existing clone');
      return true;
    } catch (err) {
      if (await exists(gitdir)) {
        logger.info({ dir: gitdir, reason: (err as Error).message }, 'discarding an unusable clone');
        await rm(gitdir, { recursive: true, force: true });
      }
      return false;
    }
  }

  /** A fresh shallow clone into a new folder that then replaces the current one. Returns the tip. */
  async function cloneFresh(reason: string): Promise<string> {
    const started = Date.now();
    await mkdir(dir, { recursive: true });
    await rm(nextGitdir, { recursive: true, force: true });
    const nextCache = {};
    try {
      await git.clone({
        fs, http, dir: nextGitdir, gitdir: nextGitdir, url, ref: branch, singleBranch: true, depth: 1,
        noCheckout: true, noTags: true, headers: await headers(), cache: nextCache,
      });
    } catch (err) {
      await rm(nextGitdir, { recursive: true, force: true });
      throw remoteError('cloning', err);
    }
    const revision = await git.resolveRef({ fs, gitdir: nextGitdir, ref: trackingRef });
    await git.writeRef({ fs, gitdir: nextGitdir, ref: branchRef, value: revision, force: true });
    if (await exists(gitdir)) await rename(gitdir, oldGitdir);
    await rename(nextGitdir, gitdir);
    await rm(oldGitdir, { recursive: true, force: true });
    cache = {};
    opened = true;
    growth = 0;
    recloneDue = undefined;
    logger.info({ revision, reason, ms: Date.now() - started }, 'cloned');
    return revision;
  }

  /** The branch tip on the remote: one ls-refs. */
  async function remoteTip(): Promise<string> {
    let refs: { ref: string; oid: string }[];
    try {
      refs = await git.listServerRefs({ http, url, prefix: branchRef, protocolVersion: 2, headers: await headers() });
    } catch (err) {
      throw remoteError('listing the refs of', err);
    }
    const tip = refs.find((r) => r.ref === branchRef)?.oid;
    if (!tip) throw new GitfedError('RepoNotFound', `branch ${branch} does not exist in ${url}`);
    return tip;
  }

  /** Fetches the branch tip (depth 1); returns it. */
  async function fetchTip(): Promise<string> {
    const started = Date.now();
    let fetchHead: string | null;
    try {
      ({ fetchHead } = await git.fetch({
        fs, http, gitdir, cache, url, remote: 'origin', ref: branch, remoteRef: branch, singleBranch: true,
        depth: 1, tags: false, headers: await headers(),
      }));
    } catch (err) {
      throw remoteError('fetching', err);
    }
    if (!fetchHead) throw new GitfedError('RepoNotFound', `branch ${branch} does not exist in ${url}`);
    logger.info({ revision: fetchHead, ms: Date.now() - started }, 'fetched');
    return fetchHead;
  }

  async function hasCommit(oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs, gitdir, cache, oid });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === Errors.NotFoundError.code) return false;
      throw err;
    }
  }

  async function packCount(): Promise<number> {
    const files = await readdir(path.join(gitdir, 'objects', 'pack')).catch(() => []);
    return files.filter((f) => f.endsWith('.pack')).length;
  }

  /** Counts `added` fetches or commits, and decides whether the next sync() makes a fresh clone. */
  async function noteGrowth(added: number): Promise<void> {
    growth += added;
    if (recloneDue) return;
    if (growth >= recloneAfterFetches) {
      recloneDue = `${growth} fetches and report commits since the clone`;
      return;
    }
    const bytes = await folderBytes(path.join(gitdir, 'objects'));
    if (bytes > recloneAboveBytes) recloneDue = `${bytes} bytes of objects, over ${recloneAboveBytes}`;
  }

  function markSynced(revision: string, transfer: SyncResult['transfer']): SyncResult {
    const changed = revision !== synced;
    if (changed) logger.info({ revision, previous: synced ?? null, transfer }, 'new revision');
    synced = revision;
    return { revision, changed, transfer };
  }

  async function sync(): Promise<SyncResult> {
    if (!(await openClone())) return markSynced(await cloneFresh('first sync'), 'clone');
    const tip = await remoteTip();
    let revision = tip;
    let transfer: SyncResult['transfer'] = 'none';
    if (recloneDue) {
      revision = await cloneFresh(recloneDue);
      transfer = 'clone';
    } else if (!(await hasCommit(tip))) {
      revision = await fetchTip();
      transfer = 'fetch';
      await noteGrowth(1);
    } else {
      // Here already (our own report commit, or a branch reset to an older commit): the refs follow the remote.
      await git.writeRef({ fs, gitdir, ref: trackingRef, value: revision, force: true });
    }
    // The local branch is the synced revision: fetches tell the server we have it.
    await git.writeRef({ fs, gitdir, ref: branchRef, value: revision, force: true });
    return markSynced(revision, transfer);
  }

  async function snapshot(revision: string): Promise<Snapshot> {
    checkRevision(revision);
    if (!(await openClone()) || !(await hasCommit(revision))) {
      throw new GitfedError('RepoNotFound', `revision ${revision} is not in the local clone of ${url}; sync() first`);
    }
    return readGitSnapshot(objects(), revision, {
      path: rootSegments.join('/'),
      reportPath: reportSegments.join('/'),
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    });
  }

  async function onlyReportChanged(from: string, to: string): Promise<boolean> {
    checkRevision(from);
    checkRevision(to);
    if (from === to) return true;
    if (!(await openClone())) return false;
    try {
      return await changedOnlyUnder(objects(), from, to, reportPrefix);
    } catch (err) {
      if ((err as { code?: string }).code !== Errors.NotFoundError.code) throw err;
      logger.debug({ from, to }, 'a revision is no longer in the clone; treating the change as a manifest change');
      return false;
    }
  }

  async function commitReport(files: ReadonlyMap<string, string>, message: string, options: CommitReportOptions = {}): Promise<CommitReportResult> {
    const leaves = new Map<string, Leaf>();
    const replaced = (options.replace ?? []).map((folder) => {
      const segments = checkRelative(folder, 'report sub-folder');
      if (segments.length === 0) throw new GitfedError('UsageError', 'a replaced report sub-folder must name a folder, not the report folder');
      return [...rootSegments, ...reportSegments, ...segments].join('/');
    });
    for (const [file, text] of files) {
      const segments = checkRelative(file, 'report file');
      if (segments.length === 0 || segments.some((s) => s.startsWith('.git'))) {
        throw new GitfedError('UsageError', `report file name "${file}" is not allowed`);
      }
      const bytes = Buffer.from(text, 'utf8');
      const { oid } = await git.hashBlob({ object: bytes });
      leaves.set([...rootSegments, ...reportSegments, ...segments].join('/'), { oid, bytes });
    }
    if (!(await openClone())) await cloneFresh('first report');
    let base = await git.resolveRef({ fs, gitdir, ref: trackingRef });
    const text = message.endsWith('\n') ? message : `${message}\n`;

    for (let attempt = 1; ; attempt += 1) {
      const baseCommit = (await git.readCommit({ fs, gitdir, cache, oid: base })).commit;
      const tree = await writeFilesIntoTree(objects(), baseCommit.tree, leaves, replaced);
      if (tree === baseCommit.tree) {
        logger.debug({ revision: base }, 'report unchanged; nothing to commit');
        return { committed: false, revision: base };
      }
      await noteGrowth(1);
      const seconds = Math.floor(now().getTime() / 1000);
      const who = { ...author, timestamp: seconds, timezoneOffset: 0 };
      const commit = await git.writeCommit({
        fs, gitdir,
        commit: { message: text, tree, parent: [base], author: who, committer: who },
      });
      try {
        await push(commit);
      } catch (err) {
        if (!isPushRejection(err)) throw remoteError('pushing the report to', err);
        const tip = await fetchTip();
        await noteGrowth(1);
        if (tip === base) {
          throw new GitfedError('InternalError', `pushing the report to ${url} was refused: ${(err as Error).message}`, {}, { cause: err });
        }
        if (attempt >= maxPushAttempts) {
          throw new GitfedError(
            'InternalError',
            `pushing the report to ${url} was rejected ${attempt} times: branch ${branch} keeps moving; the next reconcile tries again`,
            {},
            { cause: err },
          );
        }
        logger.warn({ attempt, base, tip }, 'report push rejected: someone pushed meanwhile; rebuilding the report commit on the new tip');
        base = tip;
        continue;
      }
      if (base === synced) {
        synced = commit;
        await git.writeRef({ fs, gitdir, ref: branchRef, value: commit, force: true });
      }
      logger.info({ revision: commit, parent: base, attempt }, 'report committed and pushed');
      return { committed: true, revision: commit };
    }
  }

  async function manifestsRevision(tip: string): Promise<string> {
    checkRevision(tip);
    if (!(await openClone()) || !(await hasCommit(tip))) return tip;
    const { commit } = await git.readCommit({ fs, gitdir, cache, oid: tip });
    const [parent, ...more] = commit.parent;
    if (!parent || more.length > 0 || commit.author.name !== author.name || commit.author.email !== author.email) return tip;
    // A shallow clone may not hold the parent's tree; then the author is the mark.
    if (!(await hasCommit(parent))) return parent;
    return (await onlyReportChanged(parent, tip)) ? parent : tip;
  }

  /** Pushes `commit` as the branch from a scratch ref; on success isomorphic-git moves the tracking ref. */
  async function push(commit: string): Promise<void> {
    await git.writeRef({ fs, gitdir, ref: PUSH_REF, value: commit, force: true });
    try {
      await git.push({
        fs, http, gitdir, cache, url, remote: 'origin', ref: PUSH_REF, remoteRef: branchRef, headers: await headers(),
      });
    } finally {
      await git.deleteRef({ fs, gitdir, ref: PUSH_REF }).catch((err: unknown) => logger.warn({ err }, 'could not delete the scratch ref'));
    }
  }

  return {
    url,
    branch,
    reportFolder: reportPrefix,
    sync: () => exclusive(sync),
    snapshot: (revision) => exclusive(() => snapshot(revision)),
    onlyReportChanged: (from, to) => exclusive(() => onlyReportChanged(from, to)),
    manifestsRevision: (tip) => exclusive(() => manifestsRevision(tip)),
    commitReport: (files, message, options) => exclusive(() => commitReport(files, message, options)),
  };
}

interface Leaf {
  oid: string;
  bytes: Uint8Array;
}

/**
 * The tree `base` with `leaves` (repository path → blob) written in, and each folder of `replace` holding exactly
 * its leaves (others deleted; a folder left empty removed); returns `base` itself, writing nothing, when every
 * leaf is already there with the same bytes and nothing is deleted.
 */
async function writeFilesIntoTree(repo: GitObjects, base: string, leaves: ReadonlyMap<string, Leaf>, replace: readonly string[] = []): Promise<string> {
  interface Folder { folders: Map<string, Folder>; files: Map<string, Leaf>; replace: boolean }
  const root: Folder = { folders: new Map(), files: new Map(), replace: false };
  const folderAt = (segments: readonly string[]): Folder => {
    let folder = root;
    for (const segment of segments) {
      let child = folder.folders.get(segment);
      if (!child) folder.folders.set(segment, (child = { folders: new Map(), files: new Map(), replace: false }));
      folder = child;
    }
    return folder;
  };
  for (const path of replace) folderAt(path.split('/')).replace = true;
  for (const [file, leaf] of leaves) {
    const segments = file.split('/');
    folderAt(segments.slice(0, -1)).files.set(segments[segments.length - 1]!, leaf);
  }

  /** The folder's new tree; undefined when it holds nothing (then its entry goes). */
  const write = async (treeOid: string | undefined, folder: Folder, replacing: boolean): Promise<string | undefined> => {
    const entries = new Map<string, TreeEntry>();
    if (treeOid) {
      for (const entry of (await git.readTree({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid: treeOid })).tree) {
        entries.set(entry.path, entry);
      }
    }
    let changed = treeOid === undefined;
    if (replacing) {
      for (const name of [...entries.keys()]) {
        if (folder.files.has(name) || folder.folders.has(name)) continue;
        entries.delete(name);
        changed = true;
      }
    }
    for (const [name, leaf] of folder.files) {
      const existing = entries.get(name);
      if (existing?.type === 'blob' && existing.mode === FILE_MODE && existing.oid === leaf.oid) continue;
      await git.writeBlob({ fs: repo.fs, gitdir: repo.gitdir, blob: leaf.bytes });
      entries.set(name, { mode: FILE_MODE, path: name, oid: leaf.oid, type: 'blob' });
      changed = true;
    }
    for (const [name, child] of folder.folders) {
      const existing = entries.get(name);
      const existingTree = existing?.type === 'tree' ? existing.oid : undefined;
      const written = await write(existingTree, child, replacing || child.replace);
      if (written === undefined) {
        if (existing) {
          entries.delete(name);
          changed = true;
        }
        continue;
      }
      if (written === existingTree) continue;
      entries.set(name, { mode: TREE_MODE, path: name, oid: written, type: 'tree' });
      changed = true;
    }
    if (entries.size === 0) return undefined;
    if (!changed) return treeOid;
    return git.writeTree({ fs: repo.fs, gitdir: repo.gitdir, tree: [...entries.values()] });
  };
  return (await write(base, root, false)) ?? base;
}

function isPushRejection(err: unknown): boolean {
  const e = err as { code?: string; data?: { reason?: string } };
  return (e.code === Errors.PushRejectedError.code && e.data?.reason === 'not-fast-forward') || e.code === Errors.GitPushError.code;
}

function checkBranch(branch: string): void {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.lock')) {
    throw new GitfedError('UsageError', `"${branch}" is not a branch name gitfed accepts`);
  }
}

function checkRevision(revision: string): void {
  if (!/^[0-9a-f]{40}$/.test(revision)) throw new GitfedError('UsageError', `"${revision}" is not a full commit id`);
}

/** A relative folder or file path as segments; `..` and absolute paths are refused. */
function checkRelative(value: string, what: string): string[] {
  const segments = splitPath(value);
  if (value.startsWith('/') || segments.some((s) => s === '..')) {
    throw new GitfedError('UsageError', `${what} "${value}" must be a relative path inside the repository, without ..`);
  }
  return segments;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else if (entry.isFile()) total += (await stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
