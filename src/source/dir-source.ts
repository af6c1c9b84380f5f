/**
 * A plain directory as the manifest source, for development: no revisions (null), the report written into the
 * directory's report folder instead of committed. Changes are noticed by watchDir (chokidar), not by sync().
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot } from '../model/snapshot.ts';
import { readDirSnapshot } from './read-dir-snapshot.ts';

export interface DirSource {
  readonly dir: string;
  snapshot(): Promise<Snapshot>;
  /** Writes the report files that differ; returns whether anything was written. */
  writeReport(files: ReadonlyMap<string, string>): Promise<boolean>;
}

export function createDirSource(dir: string, options: { reportPath: string }): DirSource {
  const reportDir = path.join(dir, options.reportPath);
  return {
    dir,
    snapshot: () => readDirSnapshot(dir, { reportPath: options.reportPath }),
    async writeReport(files) {
      await mkdir(reportDir, { recursive: true });
      let written = false;
      for (const [name, text] of files) {
        const file = path.join(reportDir, name);
        const before = await readFile(file, 'utf8').catch(() => null);
        if (before === text) continue;
        await writeFile(file, text);
        written = true;
      }
      return written;
    },
  };
}
