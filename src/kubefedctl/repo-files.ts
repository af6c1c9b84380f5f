/**
 * Files `join`, `unjoin`, `enable`, `disable` and `orphaning-deletion` read and write (effect): the credentials
 * kubeconfig (owner-only, written atomically) and repository files (written atomically, mode kept).
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { GitfedError } from '../model/diagnostic.ts';
import { loadModel } from '../model/load-model.ts';
import { readDirSnapshot } from '../source/read-dir-snapshot.ts';
import type { RepoView } from './file-change.ts';
import type { KubeconfigDocument } from './join-plan.ts';

/** The repository's manifest files and the model loaded from them, for the planners. */
export async function readRepoView(dir: string): Promise<RepoView> {
  const snapshot = await readDirSnapshot(dir);
  return { files: snapshot.files, model: loadModel(snapshot) };
}

/** The kubeconfig, or undefined when the file does not exist. Its content never reaches a message. */
export async function readCredentialsFile(file: string): Promise<KubeconfigDocument | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    throw new GitfedError('UsageError', `credentials file ${file} is not a valid kubeconfig (YAML error)`);
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new GitfedError('UsageError', `credentials file ${file} is not a kubeconfig`);
  return value as KubeconfigDocument;
}

/** Written atomically; a new file (and its folder) is owner-only, an existing file keeps its mode. */
export async function writeCredentialsFile(file: string, config: KubeconfigDocument): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeAtomically(file, stringify(config, { lineWidth: 0 }), 0o600);
}

/** A repository file, atomically; a new one gets mode 0644, an existing one keeps its mode. */
export async function writeRepoFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeAtomically(file, text, 0o644);
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GitfedError('UsageError', `${file} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function writeAtomically(file: string, text: string, newMode: number): Promise<void> {
  const mode = await stat(file).then(
    (info) => info.mode & 0o777,
    () => newMode,
  );
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}
