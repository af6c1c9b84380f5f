/**
 * The report's view of the multicluster-services controller's last pass (pure): per exported service its
 * exporting members with their ready endpoints, the importing members, conflicts and invalid exports; the
 * members that do not serve the MCS API; every member step that failed.
 */
import type { StageReason } from '../model/stage-reason.ts';
import type { ImportPlan } from './plan-imports.ts';

export interface McsServiceSummary {
  namespace: string;
  name: string;
  type: string;
  ports: string[];
  exporters: { cluster: string; endpoints: number }[];
  importers: string[];
  conflicts: string[];
  conflictMessages: string[];
  invalid: { cluster: string; reason: string; message: string }[];
}

export interface McsFailure {
  cluster: string;
  stage: StageReason;
  message: string;
}

export interface McsSummary {
  clusterSet: string;
  services: McsServiceSummary[];
  /** Members of the ClusterSet that do not serve multicluster.x-k8s.io/v1beta1 (TypeNotServed). */
  notServed: string[];
  failures: McsFailure[];
}

export function summarizeServices(clusterSet: string, plan: ImportPlan, failures: readonly McsFailure[]): McsSummary {
  return {
    clusterSet,
    services: plan.services.map((service) => ({
      namespace: service.namespace,
      name: service.name,
      type: service.type,
      ports: service.ports.map((port) => `${port.name ? `${port.name}:` : ''}${port.port}/${port.protocol}`),
      exporters: service.endpoints.map((endpoint) => ({ cluster: endpoint.cluster, endpoints: endpoint.ready })),
      importers: service.importers,
      conflicts: service.conflicts,
      conflictMessages: service.conflictMessages,
      invalid: Object.entries(service.invalid).map(([cluster, why]) => ({ cluster, reason: why.reason, message: why.message })).sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
    })),
    notServed: plan.notServed,
    failures: [...failures].sort((a, b) => (a.cluster === b.cluster ? (a.message < b.message ? -1 : 1) : a.cluster < b.cluster ? -1 : 1)),
  };
}
