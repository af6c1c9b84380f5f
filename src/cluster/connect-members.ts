/**
 * Clients for the members a revision declares. A member without a usable kubeconfig context is reported as
 * unavailable (KubeFed's ClientRetrievalFailed) while the others proceed; only an unreadable kubeconfig stops all.
 */
import { homedir } from 'node:os';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import type { ClusterClient } from './cluster-client.ts';
import { createClientNodeClusterClient, type ClientNodeClusterClientOptions } from './client-node-cluster-client.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource } from './member-registry.ts';

export type MemberConnection = ClusterClient | { unavailable: string };

export async function connectMembers(
  clusters: readonly string[],
  options: { kubeconfig?: string | undefined; client?: Omit<ClientNodeClusterClientOptions, 'cluster' | 'kubeConfig'> },
  deps: { logger: Logger; env?: NodeJS.ProcessEnv },
): Promise<Map<string, MemberConnection>> {
  const source = resolveKubeconfigSource(options.kubeconfig, deps.env ?? process.env, homedir());
  const kubeConfig = await loadKubeconfig(source);
  const connections = new Map<string, MemberConnection>();
  for (const cluster of clusters) {
    try {
      const own = kubeConfigForMember(kubeConfig, cluster, source);
      connections.set(cluster, createClientNodeClusterClient({ ...options.client, cluster, kubeConfig: own }, { logger: deps.logger }));
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
