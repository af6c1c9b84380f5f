/**
 * Which rendered objects a Rollout governs, what a member must hold of them (a digest), what a member holding an
 * older revision is given, and the health of its governed objects (all pure).
 *
 * An object is governed when its federated object's labels match `spec.selector` (absent: every object), in the
 * newest revision's model or in the held one's: an object the held revision has and the newest dropped stays
 * until the member is updated; one the newest adds arrives with the update. Objects it does not govern reach every
 * member at once from the newest revision.
 */
import { federatedObjectAnnotation } from '../model/marks.ts';
import { identityOf, resourceId } from '../model/identity.ts';
import type { KubeObject, Model, Rollout } from '../model/types.ts';
import { hashObject } from '../plan/inventory.ts';
import { compareObjects } from '../render/order-objects.ts';
import { matchesSelector } from '../render/select-clusters.ts';
import type { HealthSummaryInput, MemberHealth } from './rollout-state.ts';

/** Ids (`FederatedKind/namespace/name`) of the federated objects the Rollout governs in this model. */
export function governedIds(model: Model, rollout: Rollout): Set<string> {
  const selector = rollout.selector ?? {};
  return new Set(model.objects.filter((object) => matchesSelector(selector, object.labels)).map((object) => resourceId(object)));
}

export function isGoverned(object: KubeObject, ids: ReadonlySet<string>): boolean {
  const from = object.metadata.annotations?.[federatedObjectAnnotation];
  return from !== undefined && ids.has(from);
}

/** The digest of the governed objects rendered for one member: equal digests, equal content. */
export function governedDigest(objects: readonly KubeObject[], ids: ReadonlySet<string>): string {
  const hashes = objects.filter((object) => isGoverned(object, ids)).map((object) => `${resourceId(identityOf(object))}=${hashObject(object)}`);
  return hashObject({ apiVersion: 'gitfed.io/v1alpha1', kind: 'Digest', metadata: { name: 'governed' }, objects: hashes.sort() });
}

/** What a member holding an older revision is given: the governed objects of that revision, the rest of the newest. */
export function composeHeld(newest: readonly KubeObject[], held: readonly KubeObject[], ids: ReadonlySet<string>): KubeObject[] {
  return [...newest.filter((object) => !isGoverned(object, ids)), ...held.filter((object) => isGoverned(object, ids))].sort(compareObjects);
}

/** Member object ids (`Kind/namespace/name`) of the governed objects in one member's render. */
export function governedMemberIds(objects: readonly KubeObject[], ids: ReadonlySet<string>): Set<string> {
  return new Set(objects.filter((object) => isGoverned(object, ids)).map((object) => resourceId(identityOf(object))));
}

/** Failed when any governed object is Failed, Current when all are, else InProgress; failing lists the rest. */
export function summarizeHealth(digest: string, statuses: readonly HealthSummaryInput[], governed: ReadonlySet<string>): MemberHealth {
  const mine = statuses.filter((status) => governed.has(status.id));
  const failed = mine.filter((status) => status.health.status === 'Failed').map((status) => status.id);
  const other = mine.filter((status) => !['Failed', 'Current'].includes(status.health.status)).map((status) => status.id);
  const status = failed.length > 0 ? 'Failed' : other.length > 0 ? 'InProgress' : 'Current';
  return { digest, status, failing: [...failed, ...other] };
}
