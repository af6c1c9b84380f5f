/**
 * Reads revisions of a local Git repository for review (effect: isomorphic-git reads on the local object
 * database; no checkout, no network, nothing written): resolve a ref the way `git rev-parse` would, read the
 * commit's manifests (`readGitSnapshot`), load and render them.
 *
 * - `openLocalRepo(dir)`: a work tree (`DIR/.git` a folder, or a file `gitdir: …` as in submodules and linked work
 *   trees), or a bare repository (`DIR/HEAD` and `DIR/objects`). Anything else: GitfedError RepoNotFound.
 * - `resolveRevision(repo, ref)`: a full or abbreviated commit id, `HEAD`, a branch, a tag (annotated tags are
 *   peeled), a remote branch (`origin/main`), a full ref name; followed by any of `~N`, `^`, `^N` (N-th parent).
 *   A ref that names nothing, or a commit missing from a shallow clone: GitfedError RepoNotFound.
 * - `renderRevision(repo, revision, options)`: Snapshot → loadModel → render, in this thread.
 * - `renderRevisionApart(repo, revision, options)`: the same in a worker thread, so two revisions render at once
 *   on two cores (`gitfed plan`). The result crosses back as one JSON text holding each distinct object once
 *   (render shares one object among the clusters without overrides; the sharing is kept), and the model comes back
 *   as its clusters only. Errors keep their GitfedError code. When a worker cannot start (a runtime that cannot
 *   load this module in a worker), the revision renders in this thread instead.
 */
import git, { Errors } from 'isomorphic-git';
import * as fs from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { GitfedError, type Diagnostic, type Location } from '../model/diagnostic.ts';
import { loadModel } from '../model/load-model.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { KubeObject, Model } from '../model/types.ts';
import type { ClusterSummary, RevisionInput } from '../plan/plan-revisions.ts';
import { render, type RenderOptions, type RenderResult } from '../render/render.ts';
import { readGitSnapshot, type GitObjects, type ReadGitSnapshotOptions } from './read-git-snapshot.ts';

export interface RenderRevisionOptions extends ReadGitSnapshotOptions, RenderOptions {}

/** A revision loaded and rendered in this thread. */
export interface RenderedRevision extends RevisionInput {
  model: Model;
}

export async function openLocalRepo(dir: string): Promise<GitObjects> {
  const root = path.resolve(dir);
  const dotGit = path.join(root, '.git');
  const info = await stat(dotGit).catch(() => undefined);
  let gitdir: string | undefined;
  if (info?.isDirectory()) gitdir = dotGit;
  else if (info?.isFile()) {
    const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotGit, 'utf8'))?.[1];
    if (pointer) gitdir = path.resolve(root, pointer);
  } else if ((await isDirectory(path.join(root, 'objects'))) && (await stat(path.join(root, 'HEAD')).catch(() => undefined))) {
    gitdir = root; // bare
  }
  if (!gitdir || !(await isDirectory(gitdir))) {
    throw new GitfedError('RepoNotFound', `${dir} is not a Git repository (no .git folder, and not a bare repository)`);
  }
  // A linked work tree keeps its objects in the main repository (`commondir`); isomorphic-git reads one folder.
  const common = await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => undefined);
  if (common !== undefined) gitdir = path.resolve(gitdir, common.trim());
  return { fs, gitdir, cache: {} };
}

async function isDirectory(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isDirectory() ?? false;
}

/** The commit id `ref` names; see the header for the syntax. */
export async function resolveRevision(repo: GitObjects, ref: string): Promise<string> {
  const match = /^(.*?)((?:[~^]\d*)*)$/.exec(ref.trim());
  const name = match?.[1] ?? '';
  const steps = match?.[2] ?? '';
  if (name === '') throw new GitfedError('UsageError', `"${ref}" is not a revision: give a branch, tag or commit id`);
  let oid = await peelToCommit(repo, await resolveName(repo, name, ref), ref);
  for (const [, op, digits] of steps.matchAll(/([~^])(\d*)/g)) {
    const n = digits === '' ? 1 : Number(digits);
    if (op === '~') {
      for (let i = 0; i < n; i++) oid = await parentOf(repo, oid, 1, ref);
    } else if (n > 0) {
      oid = await parentOf(repo, oid, n, ref);
    }
  }
  return oid;
}

async function resolveName(repo: GitObjects, name: string, ref: string): Promise<string> {
  if (/^[0-9a-f]{40}$/i.test(name)) return name.toLowerCase();
  const args = { fs: repo.fs, gitdir: repo.gitdir };
  try {
    return await git.resolveRef({ ...args, ref: name === '@' ? 'HEAD' : name });
  } catch (err) {
    if (!(err instanceof Errors.NotFoundError)) throw err;
  }
  if (/^[0-9a-f]{4,39}$/i.test(name)) {
    try {
      return await git.expandOid({ ...args, cache: repo.cache, oid: name.toLowerCase() });
    } catch (err) {
      if (err instanceof Errors.AmbiguousError) {
        throw new GitfedError('UsageError', `"${ref}": the abbreviated commit id ${name} is ambiguous; give more digits`, {}, { cause: err });
      }
      if (!(err instanceof Errors.NotFoundError)) throw err;
    }
  }
  throw notFound(ref, `no branch, tag or commit named ${name}`);
}

/** An annotated tag → the commit it points at; anything that is not a commit in the end is refused. */
async function peelToCommit(repo: GitObjects, oid: string, ref: string): Promise<string> {
  let current = oid;
  for (let hops = 0; hops < 10; hops++) {
    const object = await git.readObject({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid: current, format: 'parsed' }).catch((err: unknown) => {
      if (err instanceof Errors.NotFoundError) throw notFound(ref, `commit ${current.slice(0, 12)} is not in the object database (a shallow clone? fetch the whole history, e.g. actions/checkout with fetch-depth: 0)`);
      throw err;
    });
    if (object.type === 'commit') return current;
    if (object.type !== 'tag') throw new GitfedError('UsageError', `"${ref}" names a ${object.type}, not a commit`);
    current = (object.object as { object: string }).object;
  }
  throw new GitfedError('UsageError', `"${ref}": too many nested tags`);
}

async function parentOf(repo: GitObjects, oid: string, n: number, ref: string): Promise<string> {
  const { commit } = await git.readCommit({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid }).catch((err: unknown) => {
    if (err instanceof Errors.NotFoundError) throw notFound(ref, `commit ${oid.slice(0, 12)} is not in the object database (a shallow clone?)`);
    throw err;
  });
  const parent = commit.parent[n - 1];
  if (!parent) throw notFound(ref, `commit ${oid.slice(0, 12)} has ${commit.parent.length === 0 ? 'no parent' : `only ${commit.parent.length} parent(s)`}`);
  return parent;
}

function notFound(ref: string, why: string): GitfedError {
  return new GitfedError('RepoNotFound', `revision "${ref}" not found: ${why}`);
}

/** The manifests of `ref` (resolved first). */
export async function readRevision(repo: GitObjects, ref: string, options: ReadGitSnapshotOptions = {}): Promise<Snapshot> {
  return readGitSnapshot(repo, await resolveRevision(repo, ref), options);
}

/** Load and render commit `revision` in this thread. */
export async function renderRevision(repo: GitObjects, revision: string, options: RenderRevisionOptions = {}): Promise<RenderedRevision> {
  const model = loadModel(await readGitSnapshot(repo, revision, snapshotOptions(options)));
  return { ...render(model, renderOptions(options)), model };
}

function snapshotOptions(options: RenderRevisionOptions): ReadGitSnapshotOptions {
  const { path: folder, reportPath, maxFileBytes } = options;
  return { ...(folder !== undefined ? { path: folder } : {}), ...(reportPath !== undefined ? { reportPath } : {}), ...(maxFileBytes !== undefined ? { maxFileBytes } : {}) };
}

function renderOptions(options: RenderRevisionOptions): RenderOptions {
  const { instance, availableClusters } = options;
  return { ...(instance !== undefined ? { instance } : {}), ...(availableClusters !== undefined ? { availableClusters } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// The worker

const workerTask = 'gitfed:render-revision';

interface WorkerInput {
  task: typeof workerTask;
  gitdir: string;
  revision: string;
  options: RenderRevisionOptions;
}

type WorkerOutput =
  | { ok: true; text: string }
  | { ok: false; gitfed: boolean; code: string; message: string; where: Location; stack?: string };

/** The wire form: each distinct object once, clusters as indexes into it. */
interface EncodedRevision {
  revision: string | null;
  objects: KubeObject[];
  clusters: Record<string, number[]>;
  diagnostics: Diagnostic[];
  replicas: RenderResult['replicas'];
  modelClusters: ClusterSummary[];
}

/** Load and render commit `revision` in a worker thread; see the header. */
export async function renderRevisionApart(repo: GitObjects, revision: string, options: RenderRevisionOptions = {}): Promise<RevisionInput> {
  const input: WorkerInput = { task: workerTask, gitdir: repo.gitdir, revision, options };
  let output: WorkerOutput | undefined;
  try {
    output = await new Promise<WorkerOutput>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: input });
      worker.once('message', (message: WorkerOutput) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`render worker exited with code ${code} before answering`)));
    });
  } catch {
    // The worker could not run (or died without a word): render here; a real failure repeats itself with its reason.
    return renderRevision(repo, revision, options);
  }
  if (!output.ok) {
    if (output.gitfed) throw new GitfedError(output.code as GitfedError['code'], output.message, output.where);
    const err = new Error(output.message);
    if (output.stack) err.stack = output.stack;
    throw err;
  }
  return decodeRevision(JSON.parse(output.text) as EncodedRevision);
}

function encodeRevision(rendered: RenderedRevision): string {
  const index = new Map<KubeObject, number>();
  const objects: KubeObject[] = [];
  const clusters: Record<string, number[]> = {};
  for (const [name, list] of Object.entries(rendered.clusters)) {
    clusters[name] = list.map((object) => {
      let at = index.get(object);
      if (at === undefined) {
        at = objects.length;
        index.set(object, at);
        objects.push(object);
      }
      return at;
    });
  }
  const encoded: EncodedRevision = {
    revision: rendered.revision,
    objects,
    clusters,
    diagnostics: rendered.diagnostics,
    replicas: rendered.replicas,
    modelClusters: rendered.model.clusters.map((cluster) => ({
      name: cluster.name,
      labels: cluster.labels,
      ...(cluster.annotations ? { annotations: cluster.annotations } : {}),
    })),
  };
  return JSON.stringify(encoded);
}

function decodeRevision(encoded: EncodedRevision): RevisionInput {
  const clusters: Record<string, KubeObject[]> = {};
  for (const [name, indexes] of Object.entries(encoded.clusters)) clusters[name] = indexes.map((at) => encoded.objects[at]!);
  return {
    revision: encoded.revision,
    clusters,
    diagnostics: encoded.diagnostics,
    replicas: encoded.replicas,
    model: { clusters: encoded.modelClusters },
  };
}

async function runWorker(input: WorkerInput): Promise<WorkerOutput> {
  try {
    const repo: GitObjects = { fs, gitdir: input.gitdir, cache: {} };
    return { ok: true, text: encodeRevision(await renderRevision(repo, input.revision, input.options)) };
  } catch (err) {
    if (err instanceof GitfedError) return { ok: false, gitfed: true, code: err.code, message: err.message, where: err.where };
    const error = err instanceof Error ? err : new Error(String(err));
    return { ok: false, gitfed: false, code: 'InternalError', message: error.message, where: {}, ...(error.stack ? { stack: error.stack } : {}) };
  }
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.task === workerTask && parentPort) {
  const port = parentPort;
  void runWorker(workerData as WorkerInput).then((output) => port.postMessage(output));
}
