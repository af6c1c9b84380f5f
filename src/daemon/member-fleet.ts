/**
 * The daemon's member source: with `membersFrom: capi`, every reconcile reads the management cluster afresh
 * (Clusters and their kubeconfig Secrets, so a rotated certificate is used from the next pass on) and merges it
 * with Git's KubeFedClusters. It counts what it found (gitfed_discovered_members) and logs when the discovered
 * set changes, by name, source and state only: never anything from a Secret.
 */
import type { Logger } from 'pino';
import { createCapiMemberSource, fleetWithCredentials, requireManagementContext, type CapiMemberSource } from '../cluster/capi-member-source.ts';
import type { MemberCredentials } from '../cluster/connect-members.ts';
import type { Fleet, MemberView } from '../model/merge-members.ts';
import type { Cluster } from '../model/types.ts';
import type { DaemonConfig } from './config.ts';
import type { DaemonMetrics } from './metrics.ts';

export interface MemberFleet {
  /** Git's members merged with the management cluster's, read now. */
  resolve(git: readonly Cluster[]): Promise<{ fleet: Fleet; credentials: Map<string, MemberCredentials> }>;
  /** Source and Cluster API state of a member, as the last resolve saw it, for the report. */
  describe(name: string): Pick<MemberView, 'source' | 'capi'> | undefined;
  close(): Promise<void>;
}

/** Undefined when members come from Git only. */
export function createMemberFleet(
  config: Pick<DaemonConfig, 'membersFrom' | 'managementContext' | 'capiNamespace' | 'kubeconfig'>,
  deps: { logger: Logger; metrics: DaemonMetrics; env?: NodeJS.ProcessEnv },
): MemberFleet | undefined {
  if (config.membersFrom !== 'capi') return undefined;
  const managementContext = requireManagementContext(config.managementContext);
  let source: CapiMemberSource | undefined;
  let last = new Map<string, MemberView>();
  let logged = '';
  return {
    async resolve(git) {
      source ??= await createCapiMemberSource(
        { managementContext, namespace: config.capiNamespace, kubeconfig: config.kubeconfig },
        { logger: deps.logger, ...(deps.env ? { env: deps.env } : {}) },
      );
      const resolved = fleetWithCredentials(git, await source.discover());
      last = new Map(resolved.fleet.members.map((member) => [member.name, member]));
      count(resolved.fleet.members);
      logChanges(resolved.fleet);
      return resolved;
    },
    describe(name) {
      const member = last.get(name);
      return member ? { source: member.source, ...(member.capi ? { capi: member.capi } : {}) } : undefined;
    },
    async close() {
      await source?.close();
    },
  };

  function count(members: readonly MemberView[]): void {
    deps.metrics.discoveredMembers.reset();
    for (const member of members) if (member.capi) deps.metrics.discoveredMembers.inc({ source: member.source, state: member.capi.state });
  }

  function logChanges(fleet: Fleet): void {
    const seen = fleet.members.filter((member) => member.capi).map((member) => ({ name: member.name, source: member.source, state: member.capi!.state }));
    const key = JSON.stringify([seen, fleet.diagnostics.map((d) => d.message)]);
    if (key === logged) return;
    logged = key;
    deps.logger.info({ members: seen }, 'members discovered from Cluster API');
    for (const diagnostic of fleet.diagnostics) deps.logger.warn({ code: diagnostic.code, cluster: diagnostic.cluster, message: diagnostic.message }, 'member source');
  }
}
