/**
 * Health of one live object: kstatus' rule chain (kubernetes-sigs/cli-utils pkg/kstatus/status), pure.
 *
 * The rules, in the order they are tried; the first that decides wins:
 * 1. NotFound — there is no live object.
 * 2. Terminating — metadata.deletionTimestamp is set.
 * 3. InProgress — status.observedGeneration differs from metadata.generation (both present): the controller
 *    has not acted on the latest spec yet, so nothing else in status can be trusted.
 * 4. Stalled=True → Failed, Reconciling=True → InProgress: kstatus' standard conditions, which decide alone
 *    for any kind that sets them.
 * 5. The kind's own rule, chosen by group and kind (rules/*.ts, each documents its steps): Deployment,
 *    ReplicaSet, StatefulSet, DaemonSet, Job, Pod, Service, Namespace, PersistentVolumeClaim,
 *    CustomResourceDefinition. A kind rule always decides. A custom resource that happens to be called
 *    `Deployment` in another group is not a Deployment.
 * 6. Ready condition (other kinds): True → Current; False or Unknown → InProgress.
 * 7. Current — nothing says otherwise (ConfigMaps, Secrets, RBAC … have no status to wait for).
 *
 * Unknown is reserved for a status the rules cannot read as anything else (a Pod in phase `Unknown`).
 *
 * Workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet) carry replica counts whatever the status, so a
 * stale or terminating Deployment still shows how many pods are ready.
 *
 * No rule reads a clock: the one rule that depends on age (an unschedulable Pod fails after 15 s) takes the
 * time from {@link HealthOptions.now} and otherwise stays InProgress.
 */
import type { KubeObject } from '../model/types.ts';
import { groupKindOf } from './read-status.ts';
import { replicaCounts, type ReplicaCounts } from './replica-counts.ts';
import { customResourceDefinitionHealth } from './rules/custom-resource-definition.ts';
import { daemonSetHealth } from './rules/daemon-set.ts';
import { deploymentHealth } from './rules/deployment.ts';
import {
  generationHealth, readyConditionHealth, standardConditionsHealth, terminatingHealth,
} from './rules/generic.ts';
import { jobHealth } from './rules/job.ts';
import { namespaceHealth } from './rules/namespace.ts';
import { persistentVolumeClaimHealth } from './rules/persistent-volume-claim.ts';
import { podHealth } from './rules/pod.ts';
import { replicaSetHealth } from './rules/replica-set.ts';
import { serviceHealth } from './rules/service.ts';
import { statefulSetHealth } from './rules/stateful-set.ts';

export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export type { ReplicaCounts } from './replica-counts.ts';

export interface Health {
  status: HealthStatus;
  /** One line for people: why this status ("Ready: 1/3", "Progress deadline exceeded: …"). */
  message: string;
  /** Workloads only. */
  replicas?: ReplicaCounts;
}

export interface HealthOptions {
  /** The time of the observation (RFC 3339). Rules that depend on age stay undecided without it. */
  now?: string;
}

/** A rule that decides for its kind. */
export type KindRule = (live: KubeObject, options: HealthOptions) => Health;

/** Kind rules by `group/Kind` (`Kind` for the core group), as kstatus keys them. */
const kindRules: Readonly<Record<string, KindRule>> = {
  'apps/Deployment': deploymentHealth,
  'extensions/Deployment': deploymentHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'extensions/ReplicaSet': replicaSetHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'extensions/DaemonSet': daemonSetHealth,
  'batch/Job': jobHealth,
  Pod: podHealth,
  Service: serviceHealth,
  Namespace: namespaceHealth,
  PersistentVolumeClaim: persistentVolumeClaimHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': customResourceDefinitionHealth,
};

/** The chain after NotFound, in the order of the doc comment above. */
const chain: readonly ((live: KubeObject, options: HealthOptions) => Health | undefined)[] = [
  terminatingHealth,
  generationHealth,
  standardConditionsHealth,
  (live, options) => kindRules[groupKindOf(live)]?.(live, options),
  readyConditionHealth,
];

export function computeHealth(live: KubeObject | null | undefined, options: HealthOptions = {}): Health {
  if (live === null || live === undefined) return { status: 'NotFound', message: 'Object does not exist' };
  let health: Health = { status: 'Current', message: 'Resource is current' };
  for (const rule of chain) {
    const decided = rule(live, options);
    if (decided) {
      health = decided;
      break;
    }
  }
  const replicas = replicaCounts(live);
  return replicas ? { ...health, replicas } : health;
}
