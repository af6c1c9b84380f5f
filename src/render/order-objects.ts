/**
 * Deterministic order of rendered objects: apply stages first (what others depend on must exist first), then
 * kind, namespace, name. Apply walks the same stages; prune walks them backwards.
 */
import { compareText } from '../model/diagnostic.ts';
import type { KubeObject } from '../model/types.ts';

export type ApplyStage = 'namespaces' | 'definitions' | 'access' | 'workloads';

export const applyStages: readonly ApplyStage[] = ['namespaces', 'definitions', 'access', 'workloads'];

const stageOfKind: Readonly<Record<string, ApplyStage>> = {
  Namespace: 'namespaces',
  CustomResourceDefinition: 'definitions',
  ClusterRole: 'access',
  ClusterRoleBinding: 'access',
  Role: 'access',
  RoleBinding: 'access',
  ServiceAccount: 'access',
};

export function stageOf(kind: string): ApplyStage {
  return stageOfKind[kind] ?? 'workloads';
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
