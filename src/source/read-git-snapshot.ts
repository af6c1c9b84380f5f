/**
 * Reads the manifests of one commit straight from a Git object database (effect: isomorphic-git reads on the local
 * clone; no checkout, no network), and compares two commits' trees. The Git twin of `readDirSnapshot`, with the
 * same rules, so a folder and a commit of the same files give the same Snapshot:
 * - every `.yaml`/`.yml` blob under the root (the repository, or its sub-path) is read; dot-folders and the report
 *   folder (relative to the root) are skipped; submodules are skipped;
 * - a symlink is followed only when it resolves inside the root; one that leaves it is reported
 *   (SymlinkOutsideRepo) and not read; a symlinked folder that loops back on itself is not walked again; a dangling
 *   link with a manifest name is reported (FileUnreadable);
 * - a blob over `maxFileBytes` is reported (FileTooLarge) and not read;
 * - a root that is not a folder at that commit throws GitfedError('RepoNotFound').
 * Paths are root-relative with forward slashes; files and diagnostics come out sorted.
 */
import git, { type TreeEntry } from 'isomorphic-git';
import type * as nodeFs from 'node:fs';
import { GitfedError, compareDiagnostics, compareText, error } from '../model/diagnostic.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { isManifestPath } from '../model/snapshot.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_REPORT_PATH } from './read-dir-snapshot.ts';

/** A local object database: the isomorphic-git `fs`, the `.git` folder, and the shared object cache. */
export interface GitObjects {
  fs: typeof nodeFs;
  gitdir: string;
  /** isomorphic-git's cache (parsed pack indexes); one object per object database. */
  cache: object;
}

export interface ReadGitSnapshotOptions {
  /** Folder inside the repository holding the manifests; paths in the Snapshot are relative to it. Default: the root. */
  path?: string;
  /** Root-relative folder gitfed writes its report to; never read as manifests. Default `status`. */
  reportPath?: string;
  /** Blobs larger than this are reported and not read. Default 1 MiB. */
  maxFileBytes?: number;
}

const SYMLINK_MODE = '120000';
/** Blobs read at once: isomorphic-git's reads wait on the disk for loose objects and pack lookups. */
const READ_CONCURRENCY = 32;
/** Symlinks followed while resolving one path, as Linux's ELOOP limit. */
const MAX_LINK_HOPS = 40;

export async function readGitSnapshot(repo: GitObjects, revision: string, options: ReadGitSnapshotOptions = {}): Promise<Snapshot> {
  const trees = new TreeReader(repo);
  const rootTree = await commitTree(repo, revision);
  const rootSegments = splitPath(options.path ?? '');
  const root = await trees.resolve(rootTree, rootSegments);
  if (!root || root.kind !== 'tree') {
    throw new GitfedError('RepoNotFound', `folder ${rootSegments.join('/') || '.'} does not exist at revision ${revision.slice(0, 12)}`);
  }
  const walk: Walk = {
    trees,
    repoTree: rootTree,
    rootSegments,
    reportPath: splitPath(options.reportPath ?? DEFAULT_REPORT_PATH).join('/'),
    files: [],
    diagnostics: [],
  };
  await walkTree(walk, root.oid, '', root.real, new Set([root.real.join('/')]));

  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const found = walk.files.sort((a, b) => compareText(a.rel, b.rel));
  const blobs = await mapBounded(found, READ_CONCURRENCY, async (file) =>
    (await git.readBlob({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid: file.oid })).blob,
  );
  const files = new Map<string, string>();
  const decoder = new TextDecoder('utf-8');
  found.forEach((file, index) => {
    const blob = blobs[index]!;
    if (blob.byteLength > maxFileBytes) {
      walk.diagnostics.push(error(
        'FileTooLarge',
        `file is ${formatBytes(blob.byteLength)}, over the ${formatBytes(maxFileBytes)} limit; it is not read`,
        { file: file.rel },
      ));
      return;
    }
    const text = decoder.decode(blob);
    files.set(file.rel, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  });
  return { revision, files, diagnostics: walk.diagnostics.sort(compareDiagnostics) };
}

/**
 * True when every path that differs between the trees of commits `from` and `to` lies under `prefix` (a
 * repository-relative folder). Walks only the subtrees whose ids differ, and stops at the first difference outside.
 * Throws isomorphic-git's NotFoundError when a commit is not in the object database.
 */
export async function changedOnlyUnder(repo: GitObjects, from: string, to: string, prefix: string): Promise<boolean> {
  if (from === to) return true;
  const trees = new TreeReader(repo);
  const [a, b] = await Promise.all([commitTree(repo, from), commitTree(repo, to)]);
  return onlyUnder(trees, a, b, '', splitPath(prefix).join('/'));
}

async function onlyUnder(trees: TreeReader, a: string | undefined, b: string | undefined, dir: string, prefix: string): Promise<boolean> {
  if (a === b) return true;
  if (prefix === '' || dir === prefix || dir.startsWith(`${prefix}/`)) return true;
  const [left, right] = await Promise.all([a ? trees.entries(a) : [], b ? trees.entries(b) : []]);
  const byName = new Map<string, [TreeEntry | undefined, TreeEntry | undefined]>();
  for (const entry of left) byName.set(entry.path, [entry, undefined]);
  for (const entry of right) byName.set(entry.path, [byName.get(entry.path)?.[0], entry]);
  for (const [name, [x, y]] of byName) {
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const child = dir ? `${dir}/${name}` : name;
    if (child === prefix) continue;
    if (!prefix.startsWith(`${child}/`)) return false;
    // An ancestor folder of the prefix: whatever is not a folder on either side is a change outside it.
    if ((x && x.type !== 'tree') || (y && y.type !== 'tree')) return false;
    if (!(await onlyUnder(trees, x?.oid, y?.oid, child, prefix))) return false;
  }
  return true;
}

interface Walk {
  trees: TreeReader;
  /** The commit's whole tree: symlinks may point anywhere in it. */
  repoTree: string;
  /** Where the root sits in the repository. */
  rootSegments: string[];
  reportPath: string;
  files: { rel: string; oid: string }[];
  diagnostics: Diagnostic[];
}

/**
 * Walks a folder. `rel` is its path as the Snapshot names it (under the root, through any symlinks); `real` its
 * repository path once links are resolved, which decides containment and loops.
 */
async function walkTree(walk: Walk, oid: string, rel: string, real: string[], ancestors: ReadonlySet<string>): Promise<void> {
  const entries = [...(await walk.trees.entries(oid))].sort((a, b) => compareText(a.path, b.path));
  for (const entry of entries) {
    const childRel = rel ? `${rel}/${entry.path}` : entry.path;
    if (entry.type === 'tree') {
      if (!isSkippedFolder(walk, entry.path, childRel)) {
        const childReal = [...real, entry.path];
        await walkTree(walk, entry.oid, childRel, childReal, ancestors);
      }
    } else if (entry.type === 'blob' && entry.mode === SYMLINK_MODE) {
      await followLink(walk, entry, childRel, real, ancestors);
    } else if (entry.type === 'blob') {
      if (isManifestPath(childRel)) walk.files.push({ rel: childRel, oid: entry.oid });
    }
    // type 'commit': a submodule, whose content is not in this repository.
  }
}

async function followLink(walk: Walk, link: TreeEntry, rel: string, parentReal: string[], ancestors: ReadonlySet<string>): Promise<void> {
  const target = await walk.trees.linkTarget(link.oid);
  const resolved = await walk.trees.resolve(walk.repoTree, [...parentReal, ...target.split('/')]);
  if (resolved === undefined) {
    // Dangling. Only a link that would have been read is worth a word.
    if (!isManifestPath(rel)) return;
    const lexical = normalise([...parentReal, ...target.split('/')], target.startsWith('/'));
    walk.diagnostics.push(
      lexical && isWithin(walk.rootSegments, lexical)
        ? error('FileUnreadable', `symlink points to ${target}, which does not exist; it is not read`, { file: rel })
        : outsideRepo(rel, target),
    );
    return;
  }
  if (resolved.kind === 'outside' || !isWithin(walk.rootSegments, resolved.real)) {
    // Outside the repository we cannot tell a folder from a file: only a manifest name is worth a word there.
    const wouldRead = resolved.kind === 'tree' || isManifestPath(rel);
    if (wouldRead) walk.diagnostics.push(outsideRepo(rel, target));
    return;
  }
  const realKey = resolved.real.join('/');
  if (resolved.kind === 'blob') {
    if (isManifestPath(rel)) walk.files.push({ rel, oid: resolved.oid });
  } else if (!isSkippedFolder(walk, link.path, rel) && !ancestors.has(realKey)) {
    await walkTree(walk, resolved.oid, rel, resolved.real, new Set([...ancestors, realKey]));
  }
}

function outsideRepo(rel: string, target: string): Diagnostic {
  return error(
    'SymlinkOutsideRepo',
    `symlink points outside the repository (to ${target}); it is not read. Copy the file into the repository instead`,
    { file: rel },
  );
}

/** Lexical `..` resolution; undefined when the path is absolute or climbs above the repository. */
function normalise(segments: readonly string[], absolute: boolean): string[] | undefined {
  if (absolute) return undefined;
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') out.push(segment);
    else if (out.pop() === undefined) return undefined;
  }
  return out;
}

function isSkippedFolder(walk: Walk, name: string, rel: string): boolean {
  return name.startsWith('.') || rel === walk.reportPath;
}

function isWithin(root: readonly string[], path: readonly string[]): boolean {
  return root.length <= path.length && root.every((segment, index) => path[index] === segment);
}

type Resolved =
  | { kind: 'tree' | 'blob'; oid: string; real: string[] }
  /** The path climbs above the repository root, or is absolute. */
  | { kind: 'outside' };

/** Reads trees and link targets once per call, and resolves paths through symlinks like the kernel would. */
class TreeReader {
  private readonly repo: GitObjects;
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();
  private readonly links = new Map<string, Promise<string>>();

  constructor(repo: GitObjects) {
    this.repo = repo;
  }

  entries(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid);
    if (!entries) {
      entries = git.readTree({ fs: this.repo.fs, gitdir: this.repo.gitdir, cache: this.repo.cache, oid }).then((r) => r.tree);
      this.trees.set(oid, entries);
    }
    return entries;
  }

  linkTarget(oid: string): Promise<string> {
    let target = this.links.get(oid);
    if (!target) {
      target = git
        .readBlob({ fs: this.repo.fs, gitdir: this.repo.gitdir, cache: this.repo.cache, oid })
        .then((r) => new TextDecoder().decode(r.blob));
      this.links.set(oid, target);
    }
    return target;
  }

  /** Resolves repository path `segments` from tree `root`; undefined when nothing is there. */
  async resolve(root: string, segments: readonly string[]): Promise<Resolved | undefined> {
    if (segments[0] === '') return { kind: 'outside' }; // an absolute link target
    const queue = [...segments];
    const real: string[] = [];
    const path: string[] = [root];
    let hops = 0;
    while (queue.length > 0) {
      const segment = queue.shift()!;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (real.length === 0) return { kind: 'outside' };
        real.pop();
        path.pop();
        continue;
      }
      const entry = (await this.entries(path[path.length - 1]!)).find((e) => e.path === segment);
      if (!entry) return undefined;
      if (entry.type === 'tree') {
        real.push(segment);
        path.push(entry.oid);
      } else if (entry.type === 'blob' && entry.mode === SYMLINK_MODE) {
        if (++hops > MAX_LINK_HOPS) return undefined;
        const target = await this.linkTarget(entry.oid);
        if (target.startsWith('/')) return { kind: 'outside' };
        queue.unshift(...target.split('/'));
      } else if (entry.type === 'blob') {
        if (queue.some((rest) => rest !== '' && rest !== '.')) return undefined; // a file used as a folder
        return { kind: 'blob', oid: entry.oid, real: [...real, segment] };
      } else {
        return undefined; // a submodule
      }
    }
    return { kind: 'tree', oid: path[path.length - 1]!, real };
  }
}

async function commitTree(repo: GitObjects, revision: string): Promise<string> {
  const { commit } = await git.readCommit({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid: revision });
  return commit.tree;
}

/** `./deploy/app/` → ['deploy', 'app']; '' and '.' → []. Callers reject `..` before this. */
export function splitPath(path: string): string[] {
  return path.replaceAll('\\', '/').split('/').filter((segment) => segment !== '' && segment !== '.');
}

/** Runs `task` over `items` with at most `limit` running at once; results keep the order of `items`. */
async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// Same wording as readDirSnapshot's messages (it does not export its helper).
function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const size = mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${size} (${bytes} bytes)`;
}
