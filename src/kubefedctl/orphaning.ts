/**
 * `orphaning-deletion enable|disable|status` on a federated object in the repository (pure; spec §6.2): the
 * annotation `kubefed.io/orphan: "true"` on the federated object makes gitfed leave member copies in place, only
 * unmarked, when the object leaves Git or a cluster leaves its placement (gitfed decision 11).
 */
import { GitfedError } from '../model/diagnostic.ts';
import { FEDERATED_GROUP, pluralName } from '../model/default-type-configs.ts';
import { orphanAnnotation } from '../model/marks.ts';
import { groupOf, resourceId } from '../model/identity.ts';
import type { JsonObject } from '../model/types.ts';
import { deleteYamlValue, setYamlValue } from './edit-yaml-text.ts';
import { findDocuments, metadataOf, type FoundDocument } from './find-documents.ts';
import { nameMatchesResource } from './target-types.ts';

export type OrphaningStatus = 'Enabled' | 'Disabled';

export interface FederatedObjectQuery {
  /** `FederatedDeployment`, `federateddeployments`, `federateddeployments.types.kubefed.io` … */
  type: string;
  name: string;
  /** Undefined: any namespace, as long as only one matches. */
  namespace?: string | undefined;
}

export interface LocatedObject extends FoundDocument {
  id: string;
  /** Not a `Federated*` kind in types.kubefed.io (KubeFed warned about that too). */
  warning?: string;
}

/** The one document the query names; a UsageError when none or several match. */
export function locateFederatedObject(files: ReadonlyMap<string, string>, query: FederatedObjectQuery): LocatedObject {
  const matchesType = (value: JsonObject) =>
    typeof value.kind === 'string' &&
    nameMatchesResource(query.type, { group: groupOf(value.apiVersion), kind: value.kind, pluralName: pluralName(value.kind) });
  const { found, unreadable } = findDocuments(
    files,
    (value) => {
      const { name, namespace } = metadataOf(value);
      return matchesType(value) && name === query.name && (query.namespace === undefined || namespace === query.namespace);
    },
    query.name,
  );
  const wanted = `${query.type} "${query.name}"${query.namespace !== undefined ? ` in namespace "${query.namespace}"` : ''}`;
  if (found.length === 0) {
    const skipped = unreadable.length > 0 ? `; files that do not parse were not searched: ${unreadable.map((u) => u.file).join(', ')}` : '';
    throw new GitfedError('UsageError', `no ${wanted} in the repository${skipped}`);
  }
  if (found.length > 1) {
    const where = found.map((f) => `${f.file}:${f.line} (${resourceId({ kind: String(f.value.kind), namespace: metadataOf(f.value).namespace, name: query.name })})`);
    throw new GitfedError('UsageError', `${wanted} matches ${found.length} documents: ${where.join(', ')}; pass -n NAMESPACE or a more precise type`);
  }
  const document = found[0]!;
  const kind = String(document.value.kind);
  const located: LocatedObject = {
    ...document,
    id: resourceId({ kind, namespace: metadataOf(document.value).namespace || undefined, name: query.name }),
  };
  if (!kind.startsWith('Federated') || groupOf(document.value.apiVersion) !== FEDERATED_GROUP) {
    located.warning = `${kind} (${String(document.value.apiVersion)}) is not a Federated<Kind> of ${FEDERATED_GROUP}`;
  }
  return located;
}

/** Enabled only for the exact string "true" (KubeFed's IsOrphaningEnabled). */
export function orphaningStatus(value: JsonObject): OrphaningStatus {
  return metadataOf(value).annotations[orphanAnnotation] === 'true' ? 'Enabled' : 'Disabled';
}

const annotationPath = ['metadata', 'annotations', orphanAnnotation] as const;

/** The file text with the annotation set ("true") or removed; the same text when nothing changes. */
export function setOrphaning(file: string, text: string, located: LocatedObject, enabled: boolean): string {
  if (enabled) {
    if (orphaningStatus(located.value) === 'Enabled') return text;
    return setYamlValue(file, text, located.index, annotationPath, 'true', '"true"');
  }
  // Any value goes (KubeFed's disable removes the annotation whatever it says).
  if (!(orphanAnnotation in metadataOf(located.value).annotations)) return text;
  return deleteYamlValue(file, text, located.index, annotationPath, true);
}
