/**
 * Report inputs for tests: the quickstart rendered for real (with one bad override pushed on top), and the apply
 * and read-back a daemon pass could have seen: member3 unreachable, a hand edit put back on member1, a failed
 * rollout on member2, a ConfigMap still being removed from member2.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApplyReport } from '../../../src/apply/apply-all.ts';
import type { MemberStatus, ObjectStatus } from '../../../src/apply/live-status.ts';
import { countByStatus } from '../../../src/health/aggregate-health.ts';
import type { Health } from '../../../src/health/compute-health.ts';
import { resourceId } from '../../../src/model/identity.ts';
import type { KubeObject } from '../../../src/model/types.ts';
import type { Change } from '../../../src/plan/change-set.ts';
import { render, type RenderResult } from '../../../src/render/render.ts';
import type { ReportInput } from '../../../src/report/build-report.ts';
import { loadRepo } from '../../../src/source/load-repo.ts';

export const quickstart = path.resolve(import.meta.dirname, '../../../fixtures/quickstart');
export const goodRevision = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
export const badRevision = '0badc0de5eed1e55fa11ed0000000000deadbeef';

/** The quickstart, plus an override for member2 whose path leads through a string (ApplyOverridesFailed). */
export async function renderQuickstart(): Promise<RenderResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-report-'));
  try {
    await cp(quickstart, dir, { recursive: true });
    const file = path.join(dir, 'apps', 'web-config.yaml');
    const text = await readFile(file, 'utf8');
    const anchor = '      value: hello from staging\n';
    if (!text.includes(anchor)) throw new Error('fixtures/quickstart/apps/web-config.yaml changed; update report-inputs.ts');
    await writeFile(
      file,
      text.replace(
        anchor,
        `${anchor}  - clusterName: member2\n    clusterOverrides:\n    - path: /data/greeting/text\n      value: hello from the US\n`,
      ),
    );
    const model = await loadRepo(dir);
    return render({ ...model, revision: goodRevision });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const unreachableMessage = 'Get "https://member3.example.internal:6443/healthz": dial tcp 10.0.3.15:6443: connect: connection refused';

export function idOf(object: KubeObject): string {
  return resourceId({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
}

/** What applyAll could have returned for this rendering. */
export function fabricateApply(rendered: RenderResult): ApplyReport {
  const clusters: ApplyReport['clusters'] = {};
  for (const [cluster, objects] of Object.entries(rendered.clusters)) {
    if (cluster === 'member3') {
      clusters[cluster] = {
        reachable: false,
        message: unreachableMessage,
        changes: objects.map((object) => ({ id: idOf(object), action: 'skipped', propagation: 'ClusterNotReady', message: unreachableMessage })),
      };
      continue;
    }
    const changes: Change[] = objects.map((object) => {
      const id = idOf(object);
      if (cluster === 'member1' && id === 'Deployment/shop/web') {
        return { id, action: 'configured', propagation: 'ClusterPropagationOK', fields: ['spec.replicas'], drift: true };
      }
      if (cluster === 'member1' && id === 'Secret/shop/web-session') {
        // A hand edit of the Secret, put back: its field list names data keys and must not reach the report.
        return { id, action: 'configured', propagation: 'ClusterPropagationOK', fields: ['data.session-key'], drift: true };
      }
      return { id, action: 'unchanged', propagation: 'ClusterPropagationOK' };
    });
    if (cluster === 'member2') {
      changes.push({
        id: 'ConfigMap/shop/legacy-settings',
        action: 'deleted',
        propagation: 'WaitingForRemoval',
        message: 'deletion accepted; waiting for finalizers',
      });
      changes.push({ id: 'ConfigMap/shop/old-banner', action: 'deleted', propagation: 'ClusterPropagationOK' });
    }
    clusters[cluster] = { reachable: true, changes };
  }
  return { revision: rendered.revision, clusters };
}

/** What readLiveStatus could have returned. */
export function fabricateLive(rendered: RenderResult, unreachable: readonly string[] = ['member3']): Record<string, MemberStatus> {
  const out: Record<string, MemberStatus> = {};
  for (const [cluster, objects] of Object.entries(rendered.clusters)) {
    if (unreachable.includes(cluster)) {
      const statuses: ObjectStatus[] = objects.map((object) => ({
        id: idOf(object),
        propagation: 'ClusterNotReady',
        health: { status: 'Unknown', message: unreachableMessage },
      }));
      out[cluster] = { reachable: false, message: unreachableMessage, objects: statuses, counts: countByStatus(statuses.map((s) => s.health)) };
      continue;
    }
    const statuses: ObjectStatus[] = objects.map((object) => ({
      id: idOf(object),
      propagation: 'ClusterPropagationOK',
      health: healthOf(cluster, object),
    }));
    out[cluster] = { reachable: true, objects: statuses, counts: countByStatus(statuses.map((s) => s.health)) };
  }
  return out;
}

function healthOf(cluster: string, object: KubeObject): Health {
  const id = idOf(object);
  const desired = ((object.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
  const replicas = (ready: number) => ({ desired, ready, available: ready, updated: ready });
  if (cluster === 'member2' && id === 'Deployment/shop/api') {
    return {
      status: 'Failed',
      message: 'Progress deadline exceeded: ReplicaSet "api-6d8f9c7b5" has timed out progressing.',
      replicas: replicas(0),
    };
  }
  if (cluster === 'member1' && id === 'Job/shop/migrate-schema') {
    return { status: 'InProgress', message: 'Job is running. Succeeded: 0, active: 1, failed: 0' };
  }
  switch (object.kind) {
    case 'Deployment':
      return { status: 'Current', message: `Deployment is available. Replicas: ${desired}`, replicas: replicas(desired) };
    case 'ReplicaSet':
      return { status: 'Current', message: `ReplicaSet is available. Replicas: ${desired}`, replicas: replicas(desired) };
    default:
      return { status: 'Current', message: 'Resource is current' };
  }
}

export async function quickstartInput(): Promise<ReportInput> {
  const rendered = await renderQuickstart();
  return {
    revision: goodRevision,
    clusters: [
      { name: 'member1', ready: true },
      { name: 'member2', ready: true },
      { name: 'member3', ready: false, message: `ClusterNotReachable: ${unreachableMessage}` },
    ],
    rendered,
    applied: fabricateApply(rendered),
    live: fabricateLive(rendered),
    driftCorrected: { member1: 2 },
  };
}
