/**
 * A synthetic report input at fleet scale, for the report builder's tests and bench:report: `clusters` members
 * each holding every one of `objects` member objects (50 × 10,000 by default: 500,000 cells), spread over
 * `namespaces` namespaces, of mixed kinds (Deployments with replicas, ConfigMaps, Services, Secrets with a value
 * that must never reach the report). Deterministic for a given size. Trouble in it, as a real pass has:
 * one member not ready, one whose prune failed, objects refused (UpdateFailed), rollouts failed or in progress,
 * hand edits put back, objects still being removed.
 */
import type { ApplyReport } from '../../src/apply/apply-all.ts';
import type { MemberStatus, ObjectStatus } from '../../src/apply/live-status.ts';
import type { Health } from '../../src/health/compute-health.ts';
import { federatedObjectAnnotation } from '../../src/model/marks.ts';
import type { KubeObject } from '../../src/model/types.ts';
import { compareChanges, type Change } from '../../src/plan/change-set.ts';
import type { ReportClusterInput, ReportInput } from '../../src/report/build-report.ts';

export interface LargeReportSize {
  clusters: number;
  objects: number;
  namespaces: number;
}

export const largeReportSize: LargeReportSize = { clusters: 50, objects: 10_000, namespaces: 100 };

/** The value every synthetic Secret holds; no report file may contain it (nor its base64). */
export const largeReportSecret = 'synthetic-secret-value-7f3a';

const revision = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed';
const kinds = ['Deployment', 'ConfigMap', 'Service', 'Secret'] as const;

export function clusterName(i: number): string {
  return `member-${String(i).padStart(2, '0')}`;
}

/**
 * Every cluster's rendered objects (one array each), made the way render.ts makes them: a cluster without
 * overrides gets the very object the others get, and an overridden copy keeps the same name strings. The
 * Deployments' replicas differ per cluster, so those are one object per cluster.
 */
function renderedObjects(shared: readonly KubeObject[], cluster: number): KubeObject[] {
  return shared.map((object, i) => (object.kind === 'Deployment' ? { ...object, spec: { replicas: 1 + ((i + cluster) % 3) } } : object));
}

function sharedObjects(size: LargeReportSize): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < size.objects; i++) {
    const namespace = `team-${String(i % size.namespaces).padStart(3, '0')}`;
    const kind = kinds[i % kinds.length]!;
    const name = `app-${String(i).padStart(5, '0')}`;
    const object: KubeObject = {
      apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
      kind,
      metadata: { name, namespace, annotations: { [federatedObjectAnnotation]: `Federated${kind}/${namespace}/${name}` } },
    };
    if (kind === 'Secret') object.data = { token: Buffer.from(largeReportSecret).toString('base64') };
    if (kind === 'Secret') object.stringData = { password: largeReportSecret };
    out.push(object);
  }
  return out;
}

function idOf(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
}

export function largeReportInput(size: LargeReportSize = largeReportSize): ReportInput {
  const clusters: ReportClusterInput[] = [];
  const renderedClusters: Record<string, KubeObject[]> = {};
  const applied: ApplyReport = { revision, clusters: {} };
  const live: Record<string, MemberStatus> = {};
  const away = clusterName(size.clusters - 1);
  const pruneFailed = clusterName(Math.min(7, size.clusters - 1));
  const shared = sharedObjects(size);
  for (let c = 0; c < size.clusters; c++) {
    const name = clusterName(c);
    const objects = renderedObjects(shared, c);
    renderedClusters[name] = objects;
    if (name === away) {
      const message = `Get "https://${name}.example.internal:6443/readyz": dial tcp 10.1.0.${c}:6443: i/o timeout`;
      clusters.push({ name, ready: false, message });
      applied.clusters[name] = {
        reachable: false,
        message,
        changes: objects.map((object): Change => ({ id: idOf(object), action: 'skipped', propagation: 'ClusterNotReady', message })).sort(compareChanges),
        failures: [{ stage: 'ClusterNotReady', message }],
      };
      continue;
    }
    clusters.push({ name, ready: true });
    const changes: Change[] = objects.map((object, i) => {
      const id = idOf(object);
      if ((i + c) % 997 === 0) {
        // A refusal that quotes the Secret's value: the report must scrub it.
        return { id, action: 'skipped', propagation: 'UpdateFailed', message: `admission webhook "policy.example" denied the request: value ${largeReportSecret} is not allowed` };
      }
      if ((i * 7 + c) % 1009 === 0) return { id, action: 'configured', propagation: 'ClusterPropagationOK', fields: ['spec.replicas'], drift: true };
      return { id, action: 'unchanged', propagation: 'ClusterPropagationOK' };
    });
    for (let k = 0; k < 3; k++) {
      changes.push({ id: `ConfigMap/team-000/retired-${c}-${k}`, action: 'deleted', propagation: 'WaitingForRemoval', message: 'deletion accepted; waiting for finalizers' });
    }
    // In id order, as the apply engine reports them (compareChanges).
    changes.sort(compareChanges);
    applied.clusters[name] = { reachable: true, changes, ...(name === pruneFailed ? { failures: [{ stage: 'PruneFailed', message: '3 object(s) were not pruned' }] } : {}) };
    const statuses: ObjectStatus[] = objects.map((object, i) => ({ id: idOf(object), propagation: 'ClusterPropagationOK', health: healthOf(object, i, c) }));
    live[name] = { reachable: true, objects: statuses, counts: { Current: 0, Failed: 0, InProgress: 0, NotFound: 0, Terminating: 0, Unknown: 0 } };
  }
  return {
    revision,
    clusters,
    rendered: { revision, clusters: renderedClusters, diagnostics: [], replicas: [] },
    applied,
    live,
  };
}

function healthOf(object: KubeObject, i: number, c: number): Health {
  if (object.kind !== 'Deployment') return { status: 'Current', message: 'Resource is current' };
  const desired = (object.spec as { replicas: number }).replicas;
  const replicas = (ready: number) => ({ desired, ready, available: ready, updated: ready });
  if ((i + 3 * c) % 1499 === 0) return { status: 'Failed', message: `Progress deadline exceeded: ReplicaSet "${object.metadata.name}-6d8f9" has timed out progressing.`, replicas: replicas(0) };
  if ((i + 5 * c) % 773 === 0) return { status: 'InProgress', message: `Deployment is rolling out: 0 of ${desired} updated replicas are available`, replicas: replicas(0) };
  return { status: 'Current', message: `Deployment is available. Replicas: ${desired}`, replicas: replicas(desired) };
}
