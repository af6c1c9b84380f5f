/**
 * Applies a rendered revision to every member in parallel. One member failing or being away never stops the
 * others (STYLE habit 9); objects that failed to render for a member are held there, never pruned.
 */
import type { Logger } from 'pino';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { allowMassDeletionAnnotation } from '../model/marks.ts';
import { resourceId } from '../model/resource-id.ts';
import type { Cluster } from '../model/types.ts';
import { compareChanges, type Change } from '../plan/change-set.ts';
import type { RenderResult } from '../render/render.ts';
import { applyMember, type MemberApplyOptions, type MemberApplyResult } from './apply-member.ts';

export type ApplyOptions = MemberApplyOptions;

export interface ApplyReport {
  revision: string | null;
  clusters: Record<string, MemberApplyResult>;
}

/** Members that have no client (no kubeconfig context, say) are reported, not skipped silently. */
export type MemberClients = ReadonlyMap<string, ClusterClient | { unavailable: string }>;

export async function applyAll(
  rendered: RenderResult,
  clusters: readonly Cluster[],
  clients: MemberClients,
  options: ApplyOptions,
  deps: { logger: Logger },
): Promise<ApplyReport> {
  const held = heldIds(rendered.diagnostics);
  const annotations = new Map(clusters.map((cluster) => [cluster.name, cluster.annotations ?? {}]));
  const entries = await Promise.all(
    Object.entries(rendered.clusters).map(async ([cluster, objects]): Promise<[string, MemberApplyResult]> => {
      const client = clients.get(cluster);
      if (!client || 'unavailable' in client) {
        const message = client?.unavailable ?? 'no client for this member';
        const changes = objects.map((object): Change => ({
          id: resourceId({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }),
          action: 'skipped',
          propagation: 'ClientRetrievalFailed',
          message,
        }));
        return [cluster, { reachable: false, message, changes: changes.sort(compareChanges) }];
      }
      const allowMassDeletion = options.allowMassDeletion || annotations.get(cluster)?.[allowMassDeletionAnnotation] === 'true';
      const result = await applyMember(
        { cluster, objects, held: held.get(cluster) ?? held.get('*') ?? new Set(), heldKinds: new Set(rendered.disabledKinds ?? []) },
        client,
        { ...options, allowMassDeletion },
        deps,
      );
      return [cluster, result];
    }),
  );
  return { revision: rendered.revision, clusters: Object.fromEntries(entries) };
}

/** Per cluster, the ids to leave alone: render failures there, and (under '*') objects of disabled types. */
export function heldIds(diagnostics: readonly Diagnostic[]): Map<string, Set<string>> {
  const everywhere = new Set<string>();
  const byCluster = new Map<string, Set<string>>();
  for (const diagnostic of diagnostics) {
    if (!diagnostic.resource) continue;
    if (diagnostic.code === 'TypeDisabled') everywhere.add(diagnostic.resource);
    else if (diagnostic.severity === 'error' && diagnostic.cluster) {
      const set = byCluster.get(diagnostic.cluster) ?? new Set<string>();
      set.add(diagnostic.resource);
      byCluster.set(diagnostic.cluster, set);
    }
  }
  for (const set of byCluster.values()) for (const id of everywhere) set.add(id);
  byCluster.set('*', everywhere);
  return byCluster;
}

/** Load errors (not tied to one cluster) mean the revision is not applied at all. */
export function blockingErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error' && !diagnostic.cluster);
}

export function isFullyApplied(report: ApplyReport): boolean {
  return Object.values(report.clusters).every(
    (member) => member.reachable && !member.inventoryFailed && member.changes.every((change) => ['ClusterPropagationOK', 'Orphaned'].includes(change.propagation)),
  );
}
