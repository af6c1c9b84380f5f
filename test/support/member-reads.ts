/**
 * Reading lab members straight through client-node (no gitfed code in the path), for tests that must check what a
 * member holds independently of what gitfed reports, and removing what a test made there.
 */
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import { objectApiFor, type E2eLab } from '../e2e/lab-context.ts';
import { inventoryRef } from './e2e-repo.ts';

export interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A member object as read: the fields the tests look at besides metadata. */
export type LiveObject = KubernetesObject & { data?: Record<string, string>; spec?: unknown; status?: unknown };

const metadataOf = (ref: Ref) => ({ name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) });

/** The member's object, or null when it answers 404. */
export async function readLive(lab: E2eLab, member: string, ref: Ref): Promise<LiveObject | null> {
  try {
    return await objectApiFor(lab, member).read<LiveObject>({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: metadataOf(ref) });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return null;
    throw err;
  }
}

/** Names of the member's objects of a kind in `namespace` matching `labelSelector`, sorted. */
export async function liveNames(
  lab: E2eLab,
  member: string,
  list: { apiVersion: string; kind: string; namespace: string; labelSelector?: string },
  timeoutMs = 15_000,
): Promise<string[]> {
  const result = await objectApiFor(lab, member, timeoutMs).list(list.apiVersion, list.kind, list.namespace, undefined, undefined, undefined, undefined, list.labelSelector);
  return result.items.map((item) => item.metadata?.name ?? '').sort();
}

/** Deletes the test's namespaces and the inventories of its gitfed instances in every member; errors are ignored (it may be gone). */
export async function removeFromMembers(lab: E2eLab, made: { namespaces: readonly string[]; instances: readonly string[] }): Promise<void> {
  const deletions = lab.members.flatMap((member) => {
    const api = objectApiFor(lab, member.name);
    return [
      ...made.namespaces.map((name) => api.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      ...made.instances.map((instance) => {
        const ref = inventoryRef(instance);
        return api.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
      }),
    ];
  });
  await Promise.allSettled(deletions);
}
