/**
 * Deterministic order of rendered objects: apply stages first (what others depend on must exist first), then
 * kind, namespace, name. Apply walks the same stages; prune walks them backwards.
 *
 * Kinds that start Pods come last, as Helm and Argo CD order them: their Pods then find the ConfigMaps, Secrets,
 * Services and PVCs they refer to already there, and the member's controllers begin rolling them out only once
 * everything else of the revision is in (they compete with the apply for the member's API server otherwise).
 */
import { compareText } from '../model/diagnostic.ts';
import type { KubeObject } from '../model/types.ts';

export type ApplyStage = 'namespaces' | 'definitions' | 'access' | 'resources' | 'workloads';

export const applyStages: readonly ApplyStage[] = ['namespaces', 'definitions', 'access', 'resources', 'workloads'];

const stageOfKind: Readonly<Record<string, ApplyStage>> = {
  Namespace: 'namespaces',
  CustomResourceDefinition: 'definitions',
  ClusterRole: 'access',
  ClusterRoleBinding: 'access',
  Role: 'access',
  RoleBinding: 'access',
  ServiceAccount: 'access',
  CronJob: 'workloads',
  DaemonSet: 'workloads',
  Deployment: 'workloads',
  Job: 'workloads',
  Pod: 'workloads',
  ReplicaSet: 'workloads',
  ReplicationController: 'workloads',
  StatefulSet: 'workloads',
};

export function stageOf(kind: string): ApplyStage {
  return stageOfKind[kind] ?? 'resources';
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    applyStages.indexOf(stageOf(a.kind)) - applyStages.indexOf(stageOf(b.kind)) ||
    compareText(a.kind, b.kind) ||
    compareText(a.metadata.namespace, b.metadata.namespace) ||
    compareText(a.metadata.name, b.metadata.name) ||
    compareText(a.apiVersion, b.apiVersion)
  );
}
