/**
 * Desired imports of one member against what it holds (pure): write what is missing or whose content hash moved,
 * delete what this instance wrote and no longer wants (EndpointSlices before ServiceImports), and hold back any
 * desired name taken by an object this instance did not write — gitfed never touches what it does not own.
 */
import { objectKey, identityOf, resourceId } from '../model/identity.ts';
import { instanceAnnotation, managedLabel, multiclusterHashAnnotation, multiclusterImportLabel } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';

export interface MemberWrites {
  apply: KubeObject[];
  delete: KubeObject[];
  /** Desired objects whose name is taken by an object gitfed does not own, with why. */
  held: { object: KubeObject; message: string }[];
  unchanged: number;
}

export function ownedBy(object: KubeObject, instance: string): boolean {
  return (
    object.metadata.labels?.[multiclusterImportLabel] === instance &&
    object.metadata.labels?.[managedLabel] === 'true' &&
    object.metadata.annotations?.[instanceAnnotation] === instance
  );
}

export function planMemberWrites(desired: readonly KubeObject[], live: readonly KubeObject[], instance: string): MemberWrites {
  const liveByKey = new Map(live.map((object) => [objectKey(identityOf(object)), object]));
  const wanted = new Set<string>();
  const out: MemberWrites = { apply: [], delete: [], held: [], unchanged: 0 };
  for (const object of desired) {
    const key = objectKey(identityOf(object));
    wanted.add(key);
    const current = liveByKey.get(key);
    if (current && !ownedBy(current, instance)) {
      out.held.push({ object, message: `${resourceId(identityOf(object))} exists and was not written by gitfed instance ${instance}; left as it is` });
    } else if (current && current.metadata.annotations?.[multiclusterHashAnnotation] === object.metadata.annotations?.[multiclusterHashAnnotation]) {
      out.unchanged++;
    } else {
      out.apply.push(object);
    }
  }
  const stale = live.filter((object) => ownedBy(object, instance) && !wanted.has(objectKey(identityOf(object))));
  out.delete = [...stale].sort((a, b) => deleteRank(a) - deleteRank(b));
  return out;
}

function deleteRank(object: KubeObject): number {
  return object.kind === 'EndpointSlice' ? 0 : 1;
}
