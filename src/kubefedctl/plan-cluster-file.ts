/**
 * The repository side of `join` and `unjoin` (pure): the KubeFedCluster document of a member, written to
 * `clusters/NAME.yaml`, or removed from wherever the repository declares it.
 */
import { GitfedError } from '../model/diagnostic.ts';
import type { FileChange, RepoView } from './file-change.ts';
import { removeYamlDocument } from './edit-yaml-text.ts';
import { findDocuments, metadataOf } from './find-documents.ts';

export function clusterFilePath(name: string): string {
  return `clusters/${name}.yaml`;
}

/**
 * Writes `clusters/NAME.yaml`. Refused when that file exists (unless force), and always when another file already
 * declares a KubeFedCluster of that name (the loader would reject the duplicate).
 */
export function planAddCluster(repo: RepoView, name: string, text: string, force: boolean): FileChange {
  const file = clusterFilePath(name);
  const elsewhere = declarations(repo, name).filter((found) => found.file !== file);
  if (elsewhere.length > 0) {
    const where = elsewhere.map((found) => `${found.file}:${found.line}`).join(', ');
    throw new GitfedError('DuplicateObject', `KubeFedCluster ${name} is already declared at ${where}; remove it there first`, { file: elsewhere[0]!.file, line: elsewhere[0]!.line });
  }
  if (repo.files.has(file) && !force) {
    throw new GitfedError('DuplicateObject', `${file} already exists; pass --force to overwrite it`, { file });
  }
  return { action: 'write', file, text, message: `${repo.files.has(file) ? 'rewrote' : 'wrote'} ${file}`, planned: `would ${repo.files.has(file) ? 'rewrite' : 'write'} ${file}` };
}

/** Removes the KubeFedCluster document (the file when nothing else is in it). */
export function planRemoveCluster(repo: RepoView, name: string): FileChange[] {
  const found = declarations(repo, name);
  if (found.length === 0) return [{ action: 'none', message: `the repository declares no KubeFedCluster ${name}` }];
  // Several documents may sit in one file: remove from the last, so earlier indexes stay valid.
  const changes: FileChange[] = [];
  const byFile = new Map<string, number[]>();
  for (const document of found) byFile.set(document.file, [...(byFile.get(document.file) ?? []), document.index]);
  for (const [file, indexes] of byFile) {
    let text: string | null = repo.files.get(file) ?? '';
    for (const index of indexes.sort((a, b) => b - a)) text = text === null ? null : removeYamlDocument(file, text, index);
    changes.push(text === null
      ? { action: 'delete', file, message: `deleted ${file} (KubeFedCluster ${name})`, planned: `would delete ${file} (KubeFedCluster ${name})` }
      : { action: 'write', file, text, message: `removed KubeFedCluster ${name} from ${file}`, planned: `would remove KubeFedCluster ${name} from ${file}` });
  }
  return changes;
}

function declarations(repo: RepoView, name: string) {
  return findDocuments(repo.files, (value) => value.kind === 'KubeFedCluster' && metadataOf(value).name === name, name).found;
}
