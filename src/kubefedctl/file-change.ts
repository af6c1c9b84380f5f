/** The one file change a repository command plans (pure data); the CLI performs it. */
import type { Model } from '../model/types.ts';

/** `message` says what was done, `planned` what would be done (dry run). */
export type FileChange =
  | { action: 'write'; file: string; text: string; message: string; planned: string }
  | { action: 'delete'; file: string; message: string; planned: string }
  | { action: 'none'; message: string };

/** A repository as the planners see it: the files (repo-relative path → text) and the model loaded from them. */
export interface RepoView {
  files: ReadonlyMap<string, string>;
  model: Model;
}
