/**
 * A Cluster API `Cluster` object (cluster.x-k8s.io v1beta2 or v1beta1) as gitfed sees it: a member's name,
 * labels and the state that decides whether it takes part in placement. Pure: the objects come from the
 * management cluster through cluster/capi-member-source.ts.
 *
 * State rules, first that applies:
 * 1. `metadata.deletionTimestamp` set → Deleting: CAPI is tearing the cluster down; nothing is applied to it.
 * 2. `spec.paused: true`, or the `cluster.x-k8s.io/paused` annotation (CAPI's own two ways to pause) → Paused.
 * 3. v1beta2: the `ControlPlaneAvailable` or the `Available` condition is True → Ready.
 * 4. v1beta1: the `ControlPlaneReady` condition is True, or `status.phase` is Provisioned → Ready.
 * 5. Otherwise → NotReady, with the control-plane condition's reason and message when CAPI gave them.
 * Only a Ready cluster becomes a member in placement; KubeFed's /healthz probing then applies as for any member.
 */
import type { KubeObject } from './types.ts';

export const capiGroup = 'cluster.x-k8s.io';
/** The versions gitfed reads, newest first: the first one the management cluster serves is used. */
export const capiVersions = ['v1beta2', 'v1beta1'] as const;
export type CapiVersion = (typeof capiVersions)[number];

/** CAPI's label on the kubeconfig Secret, and the Secret's type. */
export const capiClusterNameLabel = 'cluster.x-k8s.io/cluster-name';
export const capiSecretType = 'cluster.x-k8s.io/secret';
export const capiPausedAnnotation = 'cluster.x-k8s.io/paused';

export type CapiState = 'Ready' | 'NotReady' | 'Paused' | 'Deleting';

export interface CapiCluster {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  version: CapiVersion;
  state: CapiState;
  /** Why the state is what it is, for the report (no credential is ever part of a Cluster object). */
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The name of a Cluster's kubeconfig Secret (in the Cluster's namespace, key `value`). */
export function kubeconfigSecretName(cluster: string): string {
  return `${cluster}-kubeconfig`;
}

export function readCapiCluster(object: KubeObject): CapiCluster {
  const version: CapiVersion = object.apiVersion === `${capiGroup}/v1beta1` ? 'v1beta1' : 'v1beta2';
  return {
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? '',
    labels: { ...(object.metadata.labels ?? {}) },
    version,
    ...capiState(object, version),
  };
}

/** Rules 1–5 of the header. */
export function capiState(object: KubeObject, version: CapiVersion): { state: CapiState; message: string } {
  if (object.metadata.deletionTimestamp) return { state: 'Deleting', message: 'Cluster API is deleting this cluster' };
  const spec = (object.spec ?? {}) as { paused?: unknown };
  if (spec.paused === true) return { state: 'Paused', message: 'Cluster API has paused this cluster (spec.paused)' };
  if (object.metadata.annotations && Object.hasOwn(object.metadata.annotations, capiPausedAnnotation)) {
    return { state: 'Paused', message: `Cluster API has paused this cluster (annotation ${capiPausedAnnotation})` };
  }
  const status = (object.status ?? {}) as { conditions?: unknown; phase?: unknown };
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  const isTrue = (type: string) => conditions.some((condition) => condition.type === type && condition.status === 'True');
  if (version === 'v1beta2') {
    if (isTrue('ControlPlaneAvailable') || isTrue('Available')) return { state: 'Ready', message: 'control plane available' };
    return { state: 'NotReady', message: notReadyMessage(conditions, 'ControlPlaneAvailable', undefined) };
  }
  if (isTrue('ControlPlaneReady')) return { state: 'Ready', message: 'control plane ready' };
  if (status.phase === 'Provisioned') return { state: 'Ready', message: 'phase Provisioned' };
  return { state: 'NotReady', message: notReadyMessage(conditions, 'ControlPlaneReady', typeof status.phase === 'string' ? status.phase : undefined) };
}

function notReadyMessage(conditions: readonly Condition[], type: string, phase: string | undefined): string {
  const condition = conditions.find((candidate) => candidate.type === type);
  const said = condition
    ? `${type} is ${condition.status ?? 'Unknown'}${condition.reason ? ` (${condition.reason})` : ''}${condition.message ? `: ${condition.message}` : ''}`
    : `no ${type} condition yet`;
  return `control plane not available: ${said}${phase ? `, phase ${phase}` : ''}`;
}
