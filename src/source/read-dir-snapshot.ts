/**
 * Reads a directory into a Snapshot (effect). The only part of loading that touches the disk: everything after it
 * (`loadModel`) is pure, so `loadRepo(dir) = loadModel(await readDirSnapshot(dir))`.
 *
 * Rules:
 * - every `.yaml`/`.yml` file is read; dot-folders (.git, .github, …) and the report folder are skipped;
 * - a symlink is followed only when it resolves inside the repository; one that leaves it is reported
 *   (SymlinkOutsideRepo) and not read; a symlinked folder that loops back on itself is not walked again;
 * - a file over `maxFileBytes` is reported (FileTooLarge) and not read;
 * - a missing repository throws GitfedError('RepoNotFound').
 * Paths are repo-relative with forward slashes; files and diagnostics come out sorted, so the same tree always
 * gives the same Snapshot.
 */
import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { GitfedError, compareDiagnostics, compareText, error } from '../model/diagnostic.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { isManifestPath } from '../model/snapshot.ts';
import type { Snapshot } from '../model/snapshot.ts';

export interface ReadDirSnapshotOptions {
  /** Repo-relative folder gitfed writes its report to; never read as manifests. Default `status`. */
  reportPath?: string;
  /** Files larger than this are reported and not read. Default 1 MiB. */
  maxFileBytes?: number;
}

export const DEFAULT_REPORT_PATH = 'status';
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** How many files are read at once: enough to keep the disk busy, few enough to stay far from fd limits. */
const READ_CONCURRENCY = 32;

export async function readDirSnapshot(dir: string, options: ReadDirSnapshotOptions = {}): Promise<Snapshot> {
  const root = path.resolve(dir);
  const realRoot = await openRoot(root);
  const walk: Walk = {
    root,
    realRoot,
    reportPath: normaliseRelative(options.reportPath ?? DEFAULT_REPORT_PATH),
    files: [],
    diagnostics: [],
  };
  await walkDirectory(walk, '', new Set([realRoot]));

  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const paths = walk.files.sort(compareText);
  const texts = await mapBounded(paths, READ_CONCURRENCY, (rel) => readManifest(walk, rel, maxFileBytes));
  const files = new Map<string, string>();
  paths.forEach((rel, index) => {
    const text = texts[index];
    if (text !== undefined) files.set(rel, text);
  });
  return { revision: null, files, diagnostics: walk.diagnostics.sort(compareDiagnostics) };
}

interface Walk {
  root: string;
  realRoot: string;
  reportPath: string;
  /** Repo-relative paths of the manifest files found. */
  files: string[];
  diagnostics: Diagnostic[];
}

async function openRoot(root: string): Promise<string> {
  try {
    const info = await stat(root);
    if (!info.isDirectory()) throw new GitfedError('RepoNotFound', `repository ${root} is not a directory`);
    return await realpath(root);
  } catch (cause) {
    if (cause instanceof GitfedError) throw cause;
    throw new GitfedError('RepoNotFound', `repository directory ${root} cannot be read (${errorCode(cause)})`, {}, { cause });
  }
}

async function walkDirectory(walk: Walk, relDir: string, ancestors: ReadonlySet<string>): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(absolute(walk, relDir), { withFileTypes: true });
  } catch (cause) {
    walk.diagnostics.push(error('FileUnreadable', `folder cannot be read (${errorCode(cause)})`, { file: relDir || '.' }));
    return;
  }
  entries.sort((a, b) => compareText(a.name, b.name));
  for (const entry of entries) {
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!isSkippedFolder(walk, entry.name, rel)) await walkDirectory(walk, rel, ancestors);
    } else if (entry.isFile()) {
      if (isManifestPath(rel)) walk.files.push(rel);
    } else if (entry.isSymbolicLink()) {
      await followLink(walk, entry.name, rel, ancestors);
    }
  }
}

async function followLink(walk: Walk, name: string, rel: string, ancestors: ReadonlySet<string>): Promise<void> {
  const link = absolute(walk, rel);
  const target = await readlink(link).catch(() => '?');
  let real: string;
  try {
    real = await realpath(link);
  } catch {
    // Dangling. Only a link that would have been read is worth a word.
    if (!isManifestPath(rel)) return;
    const lexical = path.resolve(path.dirname(link), target);
    walk.diagnostics.push(
      isInside(walk.realRoot, lexical) || isInside(walk.root, lexical)
        ? error('FileUnreadable', `symlink points to ${target}, which does not exist; it is not read`, { file: rel })
        : outsideRepo(rel, target),
    );
    return;
  }
  const info = await stat(real).catch(() => undefined);
  if (!info) return;
  const wouldRead = info.isDirectory() || (info.isFile() && isManifestPath(rel));
  if (!wouldRead) return;
  if (!isInside(walk.realRoot, real)) {
    walk.diagnostics.push(outsideRepo(rel, target));
    return;
  }
  if (info.isFile()) {
    walk.files.push(rel);
  } else if (!isSkippedFolder(walk, name, rel) && !ancestors.has(real)) {
    await walkDirectory(walk, rel, new Set([...ancestors, real]));
  }
}

function outsideRepo(rel: string, target: string): Diagnostic {
  return error(
    'SymlinkOutsideRepo',
    `symlink points outside the repository (to ${target}); it is not read. Copy the file into the repository instead`,
    { file: rel },
  );
}

async function readManifest(walk: Walk, rel: string, maxFileBytes: number): Promise<string | undefined> {
  const file = absolute(walk, rel);
  try {
    const info = await stat(file);
    if (info.size > maxFileBytes) {
      walk.diagnostics.push(error(
        'FileTooLarge',
        `file is ${formatBytes(info.size)}, over the ${formatBytes(maxFileBytes)} limit; it is not read`,
        { file: rel },
      ));
      return undefined;
    }
    const text = await readFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (cause) {
    walk.diagnostics.push(error('FileUnreadable', `file cannot be read (${errorCode(cause)})`, { file: rel }));
    return undefined;
  }
}

function isSkippedFolder(walk: Walk, name: string, rel: string): boolean {
  return name.startsWith('.') || rel === walk.reportPath;
}

function absolute(walk: Walk, rel: string): string {
  return rel ? path.join(walk.root, ...rel.split('/')) : walk.root;
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** `./status/` → `status`; backslashes become slashes. */
function normaliseRelative(rel: string): string {
  return rel.replaceAll('\\', '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const size = mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${size} (${bytes} bytes)`;
}

function errorCode(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return cause instanceof Error ? cause.message : String(cause);
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
