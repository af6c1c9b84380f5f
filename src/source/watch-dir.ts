/**
 * Watches a local repository folder for development (effect: chokidar). Calls `onChange` once a burst of edits has
 * been quiet for `debounceMs`, with the manifest paths that changed, so saving ten files reconciles once.
 *
 * It watches what `readDirSnapshot` reads: dot-folders (.git, an editor's .idea, …) and the report folder are not
 * watched at all (gitfed writing its own report must not wake it); only `.yaml`/`.yml` files, and folders
 * appearing or disappearing (which may carry manifests), count as changes — an editor's swap or backup file does
 * not. Resolves once the initial scan is done, so every later write is seen; the returned function stops watching.
 */
import { watch } from 'chokidar';
import path from 'node:path';
import type { Logger } from 'pino';
import { compareText } from '../model/diagnostic.ts';
import { isManifestPath } from '../model/snapshot.ts';
import { DEFAULT_REPORT_PATH } from './read-dir-snapshot.ts';

export interface WatchDirOptions {
  /** Folder gitfed writes its report to, relative to the watched folder; never watched. Default `status`. */
  reportPath?: string;
  /** Quiet time after the last change before `onChange` runs. Default 300 ms. */
  debounceMs?: number;
}

export interface WatchDirDeps {
  logger: Logger;
}

/** Receives the changed manifest paths (relative, forward slashes, sorted; folders end with `/`). */
export type DirChangeCallback = (changed: string[]) => void | Promise<void>;

export const DEFAULT_DEBOUNCE_MS = 300;

export async function watchDir(
  dir: string,
  onChange: DirChangeCallback,
  options: WatchDirOptions = {},
  deps: WatchDirDeps,
): Promise<() => Promise<void>> {
  const root = path.resolve(dir);
  const reportPath = (options.reportPath ?? DEFAULT_REPORT_PATH).replaceAll('\\', '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const logger = deps.logger.child({ component: 'watch-dir', dir: root });

  const relative = (file: string): string => path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
  const ignored = (file: string): boolean => {
    const rel = relative(file);
    if (rel === '' || rel.startsWith('..')) return false;
    const segments = rel.split('/');
    // A dot-named folder anywhere on the path; the file itself may be dot-named (readDirSnapshot reads those).
    if (segments.slice(0, -1).some((s) => s.startsWith('.'))) return true;
    if (rel === reportPath || rel.startsWith(`${reportPath}/`)) return true;
    return false;
  };

  const watcher = watch(root, {
    ignoreInitial: true,
    // Dot-folders themselves: checked by name, since chokidar asks before it knows a path is a folder.
    ignored: (file, stats) => ignored(file) || (stats?.isDirectory() === true && path.basename(file).startsWith('.') && file !== root),
  });

  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    const changed = [...pending].sort(compareText);
    pending = new Set();
    logger.debug({ changed }, 'files changed');
    try {
      Promise.resolve(onChange(changed)).catch((err: unknown) => logger.error({ err }, 'change handler failed'));
    } catch (err) {
      logger.error({ err }, 'change handler failed');
    }
  };
  const note = (entry: string) => {
    pending.add(entry);
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  watcher.on('all', (event, file) => {
    const rel = relative(file);
    if (event === 'addDir' || event === 'unlinkDir') {
      if (rel !== '') note(`${rel}/`);
    } else if (isManifestPath(rel)) {
      note(rel);
    }
  });
  watcher.on('error', (err) => logger.warn({ err }, 'watch error'));

  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  logger.debug({ debounceMs, reportPath }, 'watching');

  return async () => {
    closed = true;
    clearTimeout(timer);
    await watcher.close();
  };
}
