/** What the loader reads: the manifest files of one revision, as text. Produced by source/, consumed by loadModel. */
import type { Diagnostic } from './diagnostic.ts';

export interface Snapshot {
  /** Commit the files came from, or null for a plain directory. */
  revision: string | null;
  /** Repo-relative posix path → text, only `.yaml`/`.yml` files, in path order. */
  files: ReadonlyMap<string, string>;
  /** Problems found while reading (files too large, symlinks leaving the repo, …). */
  diagnostics: Diagnostic[];
}

/** File names the loader reads. */
export function isManifestPath(path: string): boolean {
  return path.endsWith('.yaml') || path.endsWith('.yml');
}
