/**
 * A plain directory as the manifest source, for development: no revisions (null), the report written into the
 * directory's report folder instead of committed. Changes are noticed by watchDir (chokidar), not by sync().
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot } from '../model/snapshot.ts';
import { readDirSnapshot } from './read-dir-snapshot.ts';

export interface DirSource {
  readonly dir: string;
  snapshot(): Promise<Snapshot>;
  /**
   * Writes the report files that differ; in the sub-folders of `options.replace` (the report's `details/`) also
   * deletes every file not given. Returns whether anything was written or deleted.
   */
  writeReport(files: ReadonlyMap<string, string>, options?: { replace?: readonly string[] }): Promise<boolean>;
}

export function createDirSource(dir: string, options: { reportPath: string }): DirSource {
  const reportDir = path.join(dir, options.reportPath);
  return {
    dir,
    snapshot: () => readDirSnapshot(dir, { reportPath: options.reportPath }),
    async writeReport(files, writeOptions = {}) {
      await mkdir(reportDir, { recursive: true });
      let written = false;
      for (const [name, text] of files) {
        const file = path.join(reportDir, name);
        const before = await readFile(file, 'utf8').catch(() => null);
        if (before === text) continue;
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
        written = true;
      }
      for (const folder of writeOptions.replace ?? []) {
        const entries = await readdir(path.join(reportDir, folder), { recursive: true, withFileTypes: true }).catch(() => []);
        for (const entry of entries) {
          if (!entry.isFile()) continue;
          const name = path.relative(reportDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
          if (files.has(name)) continue;
          await rm(path.join(reportDir, name), { force: true });
          written = true;
        }
      }
      return written;
    },
  };
}
