/**
 * Clients for the members a revision declares. A member without a usable kubeconfig context is reported as
 * unavailable (KubeFed's ClientRetrievalFailed) while the others proceed; only an unreadable kubeconfig stops all.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { homedir } from 'node:os';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import type { ClusterClient } from './cluster-client.ts';
import { createClientNodeClusterClient, type ClientNodeClusterClientOptions } from './client-node-cluster-client.ts';
import { createFleetLimits } from './fleet-limits.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource } from './member-registry.ts';

export type MemberConnection = ClusterClient | { unavailable: string };

/**
 * Credentials held in memory for one member (a Cluster API kubeconfig Secret), its current context selected, or
 * why there are none. `fingerprint` changes when the credentials do, so a holder knows to replace the client.
 */
export type MemberCredentials = { kubeConfig: KubeConfig; fingerprint: string } | { unavailable: string };

export async function connectMembers(
  clusters: readonly string[],
  options: {
    kubeconfig?: string | undefined;
    /** Every member's client options; pass one `fleet` to every call of a process so all members share it. */
    client?: Omit<ClientNodeClusterClientOptions, 'cluster' | 'kubeConfig'>;
    /** Members whose credentials are given here use them instead of a kubeconfig context. */
    credentials?: ReadonlyMap<string, MemberCredentials>;
  },
  deps: { logger: Logger; env?: NodeJS.ProcessEnv },
): Promise<Map<string, MemberConnection>> {
  const source = resolveKubeconfigSource(options.kubeconfig, deps.env ?? process.env, homedir());
  // The file is read only when some member needs a context from it (a fleet from Cluster API may need none).
  const fromFile = clusters.filter((cluster) => !options.credentials?.has(cluster));
  const kubeConfig = fromFile.length > 0 ? await loadKubeconfig(source) : undefined;
  const connections = new Map<string, MemberConnection>();
  // One bound for every member of this call when the caller shares none.
  const client = { ...options.client, fleet: options.client?.fleet ?? createFleetLimits() };
  for (const cluster of clusters) {
    const given = options.credentials?.get(cluster);
    if (given && 'unavailable' in given) {
      connections.set(cluster, { unavailable: given.unavailable });
      continue;
    }
    try {
      const own = given ? given.kubeConfig : kubeConfigForMember(kubeConfig!, cluster, source);
      connections.set(cluster, createClientNodeClusterClient({ ...client, cluster, kubeConfig: own }, { logger: deps.logger }));
    } catch (err) {
      if (!(err instanceof GitfedError)) throw err;
      connections.set(cluster, { unavailable: err.message });
    }
  }
  return connections;
}

export async function closeMembers(connections: ReadonlyMap<string, MemberConnection>): Promise<void> {
  await Promise.all([...connections.values()].map((connection) => ('close' in connection ? connection.close() : undefined)));
}
