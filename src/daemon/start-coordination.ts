/**
 * Coordination on (`--coordination-context`): the client of the coordination cluster (a kubeconfig context, or
 * the pod's own ServiceAccount with `in-cluster`), the Lease and status stores in its namespace, and the
 * coordinator over them. Only names and paths are ever logged, never credentials.
 */
import { KubeConfig } from '@kubernetes/client-node';
import os from 'node:os';
import type { Logger } from 'pino';
import { parseDuration } from '../cli/parse-duration.ts';
import { createClientNodeClusterClient } from '../cluster/client-node-cluster-client.ts';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource } from '../cluster/member-registry.ts';
import { replicaIdProblem } from '../coordination/lease-ownership.ts';
import { createLeaseStore } from '../coordination/lease-store.ts';
import { createStatusStore } from '../coordination/status-store.ts';
import { GitfedError } from '../model/diagnostic.ts';
import type { DaemonConfig } from './config.ts';
import { createCoordinator, type Coordinator } from './coordinator.ts';
import type { DaemonMetrics } from './metrics.ts';

export const inClusterContext = 'in-cluster';

export interface Coordination {
  coordinator: Coordinator;
  replicaId: string;
  close(): Promise<void>;
}

export async function startCoordination(
  config: DaemonConfig & { coordinationContext: string },
  deps: { logger: Logger; metrics: DaemonMetrics; env: NodeJS.ProcessEnv },
): Promise<Coordination> {
  const replicaId = config.replicaId ?? os.hostname().toLowerCase();
  const problem = replicaIdProblem(config.instance, replicaId);
  if (problem) throw new GitfedError('UsageError', `${problem}; set --replica-id`);
  const durationMs = parseDuration(config.leaseDuration);
  const renewIntervalMs = parseDuration(config.leaseRenewInterval);
  const retryIntervalMs = parseDuration(config.leaseRetryInterval);
  if (durationMs < 1000 || renewIntervalMs * 2 > durationMs || retryIntervalMs > renewIntervalMs) {
    throw new GitfedError('UsageError', 'Lease timings: need leaseDuration ≥ 1s, leaseRenewInterval ≤ half of leaseDuration, leaseRetryInterval ≤ leaseRenewInterval');
  }
  const client = await coordinationClient(config, deps);
  const stores = { namespace: config.coordinationNamespace, instance: config.instance };
  const coordinator = createCoordinator(
    { instance: config.instance, replicaId, durationSeconds: Math.round(durationMs / 1000), renewIntervalMs, retryIntervalMs, collectAfterMs: parseDuration(config.leaseCleanupAfter) },
    { leases: createLeaseStore(client, stores), statuses: createStatusStore(client, { ...stores, replica: replicaId }), metrics: deps.metrics, logger: deps.logger },
  );
  deps.logger.info({ replica: replicaId, context: config.coordinationContext, namespace: config.coordinationNamespace }, 'replicas share the members through Leases');
  return { coordinator, replicaId, close: () => client.close() };
}

async function coordinationClient(config: DaemonConfig & { coordinationContext: string }, deps: { logger: Logger; env: NodeJS.ProcessEnv }): Promise<ClusterClient> {
  let kubeConfig: KubeConfig;
  if (config.coordinationContext === inClusterContext) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
  } else {
    const source = resolveKubeconfigSource(config.kubeconfig, deps.env, os.homedir());
    kubeConfig = kubeConfigForMember(await loadKubeconfig(source), config.coordinationContext, source);
  }
  // Lease requests must answer well inside the renew deadline, so a hung coordination cluster costs no renew.
  return createClientNodeClusterClient(
    { cluster: `coordination/${config.coordinationContext}`, kubeConfig, timeoutMs: 4_000, retry: { maxAttempts: 1 } },
    { logger: deps.logger },
  );
}
