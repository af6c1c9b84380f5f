/** Loads a repository from a plain directory: read the files (effect), then build the model (pure). */
import { loadModel } from '../model/load-model.ts';
import type { Model } from '../model/types.ts';
import { readDirSnapshot } from './read-dir-snapshot.ts';

export interface LoadRepoOptions {
  /** Folder the status report is written to; never read as manifests. Default `status`. */
  reportPath?: string;
  maxFileBytes?: number;
}

export async function loadRepo(dir: string, options: LoadRepoOptions = {}): Promise<Model> {
  return loadModel(await readDirSnapshot(dir, options));
}
