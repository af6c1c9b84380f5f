/** Finds documents in a repository's files by their value (pure), with where they are for an in-place edit. */
import { GitfedError, compareText } from '../model/diagnostic.ts';
import { isJsonObject } from '../model/json-object.ts';
import { listItems } from '../model/list-items.ts';
import type { JsonObject } from '../model/types.ts';
import { readYamlDocuments } from './edit-yaml-text.ts';

export interface FoundDocument {
  /** Repo-relative path. */
  file: string;
  /** Index among the file's documents, for edit-yaml-text. */
  index: number;
  line: number;
  value: JsonObject;
}

export interface FindResult {
  found: FoundDocument[];
  /** Files that mention `hint` but do not parse (they cannot be searched, nor edited). */
  unreadable: { file: string; message: string }[];
}

/** Documents whose value `match` accepts, in path order. Only files whose text contains `hint` are parsed. */
export function findDocuments(files: ReadonlyMap<string, string>, match: (value: JsonObject) => boolean, hint = ''): FindResult {
  const found: FoundDocument[] = [];
  const unreadable: { file: string; message: string }[] = [];
  for (const file of [...files.keys()].sort(compareText)) {
    const text = files.get(file) ?? '';
    if (hint && !text.includes(hint)) continue;
    let documents;
    try {
      documents = readYamlDocuments(file, text);
    } catch (err) {
      if (err instanceof GitfedError) {
        unreadable.push({ file, message: err.message });
        continue;
      }
      throw err;
    }
    for (const document of documents) {
      const value = document.value;
      if (!isJsonObject(value)) continue;
      if (match(value)) found.push({ file, index: document.index, line: document.line, value });
      const item = listItems(value)?.findIndex((entry) => isJsonObject(entry) && match(entry)) ?? -1;
      if (item >= 0) {
        // The loader reads list items, but the in-place editor works on whole documents only.
        throw new GitfedError(
          'UsageError',
          `the object is item ${item} of the list document at ${file}:${document.line}; gitfed edits only objects that are documents of their own: move it out of the list first`,
          { file, line: document.line },
        );
      }
    }
  }
  return { found, unreadable };
}


/** `metadata.name` / `metadata.namespace` of a document value, '' when absent. */
export function metadataOf(value: JsonObject): { name: string; namespace: string; annotations: Record<string, unknown> } {
  const metadata = value.metadata && typeof value.metadata === 'object' && !Array.isArray(value.metadata) ? (value.metadata as JsonObject) : {};
  const annotations = metadata.annotations && typeof metadata.annotations === 'object' && !Array.isArray(metadata.annotations) ? metadata.annotations : {};
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    annotations: annotations as Record<string, unknown>,
  };
}

