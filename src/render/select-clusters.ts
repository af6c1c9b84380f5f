/**
 * Placement (spec §1.3): which declared clusters a federated object selects.
 *
 * - `clusters` present (even `[]`) wins and the selector is ignored, unless `selectorOnly` (the RSP
 *   intersectWithClusterSelector path, §1.3 item 7).
 * - Otherwise a null/absent selector selects nothing and an empty selector `{}` selects everything.
 * - The result is intersected with the declared clusters; names that match none are returned in `unknown`
 *   so the caller can warn (gitfed decision 6) instead of dropping them silently as KubeFed did.
 */
import type { Cluster, LabelSelector, LabelSelectorRequirement, Placement } from '../model/types.ts';

export interface Selection {
  /** Selected cluster names, sorted. */
  names: string[];
  /** Names listed in `placement.clusters` that match no declared cluster, sorted. */
  unknown: string[];
}

export function selectClusters(
  placement: Placement | null | undefined,
  clusters: readonly Cluster[],
  options: { selectorOnly?: boolean } = {},
): Selection {
  const listed = options.selectorOnly ? null : (placement?.clusters ?? null);
  if (listed !== null) {
    const declared = new Set(clusters.map((cluster) => cluster.name));
    const wanted = new Set(listed.map((entry) => entry.name));
    return {
      names: sortedText([...wanted].filter((name) => declared.has(name))),
      unknown: sortedText([...wanted].filter((name) => !declared.has(name))),
    };
  }
  const selector = placement?.clusterSelector;
  if (selector === null || selector === undefined) return { names: [], unknown: [] };
  return {
    names: sortedText(clusters.filter((cluster) => matchesSelector(selector, cluster.labels)).map((c) => c.name)),
    unknown: [],
  };
}

/** Kubernetes LabelSelector semantics; an empty selector matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => matchesRequirement(requirement, labels));
}

function matchesRequirement(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value as string);
    case 'NotIn':
      // NotIn also matches objects that lack the key (apimachinery labels.Selector).
      return !has || !values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

export function sortedText(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
