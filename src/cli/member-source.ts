/**
 * `--members-from capi --management-context CTX [--capi-namespace NS]` for the commands that reach members
 * (apply, status, plan, clusters): one read of the management cluster, merged into each model the command uses,
 * so every command places onto the same fleet the daemon does.
 */
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { createCapiMemberSource, fleetWithCredentials, requireManagementContext, type CapiDiscovery } from '../cluster/capi-member-source.ts';
import type { MemberCredentials } from '../cluster/connect-members.ts';
import { withFleet, type Fleet } from '../model/merge-members.ts';
import type { Model } from '../model/types.ts';

export interface MemberSourceFlags {
  membersFrom: 'git' | 'capi';
  managementContext?: string;
  capiNamespace?: string;
  kubeconfig?: string;
}

export function addMemberSourceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--members-from <source>', 'members besides the KubeFedCluster documents in Git: none (git), or every Cluster of a Cluster API management cluster (capi)')
        .choices(['git', 'capi'])
        .default('git'),
    )
    .option('--management-context <context>', 'with --members-from capi: kubeconfig context of the Cluster API management cluster')
    .option('--capi-namespace <namespace>', 'with --members-from capi: read Clusters of this namespace only (default: every namespace)');
}

/** Reads the management cluster once; undefined when members come from Git only. */
export async function discoverMembers(flags: MemberSourceFlags, deps: { logger: Logger }): Promise<CapiDiscovery | undefined> {
  if (flags.membersFrom !== 'capi') return undefined;
  const source = await createCapiMemberSource(
    { managementContext: requireManagementContext(flags.managementContext), namespace: flags.capiNamespace, kubeconfig: flags.kubeconfig },
    deps,
  );
  try {
    return await source.discover();
  } finally {
    await source.close();
  }
}

export interface FleetModel<M extends Model> {
  model: M;
  fleet?: Fleet;
  credentials?: Map<string, MemberCredentials>;
}

/** The model with the discovered members merged in (unchanged without a discovery). */
export function fleetModel<M extends Model>(model: M, discovery: CapiDiscovery | undefined): FleetModel<M> {
  if (!discovery) return { model };
  const { fleet, credentials } = fleetWithCredentials(model.clusters, discovery);
  return { model: { ...model, ...withFleet(model, fleet) }, fleet, credentials };
}

/** One line per discovered member that gets nothing this time, and why (paused, deleting, control plane down). */
export function heldBackLines(fleet: Fleet | undefined): string {
  const held = (fleet?.members ?? []).filter((member) => !member.placed);
  return held.map((member) => `gitfed: member ${member.name} (${member.source}) is held back: Cluster API ${member.capi?.state}: ${member.capi?.message}\n`).join('');
}
