/** The daemon's Prometheus metrics, on a registry of its own (never the global one), so tests can read them. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InFlightCount } from '../cluster/fleet-limits.ts';

export interface DaemonMetrics {
  registry: Registry;
  reconcileDuration: Histogram<'stage'>;
  reconcileFailures: Counter<'stage'>;
  memberFailures: Counter<'cluster' | 'stage'>;
  objects: Gauge<'cluster' | 'action'>;
  driftCorrections: Counter<'cluster'>;
  memberReady: Gauge<'cluster'>;
  discoveredMembers: Gauge<'source' | 'state'>;
  gitFetchDuration: Histogram;
  gitFetchErrors: Counter;
  appliedRevision: Gauge<'revision'>;
  /** Replicas sharing members (coordination on; all stay 0 otherwise). */
  membersOwned: Gauge;
  leader: Gauge;
  handoffs: Counter<'direction'>;
  leaseRenewDuration: Histogram<'lease'>;
  leaseRenewFailures: Counter<'lease'>;
  memberWrites: Counter<'cluster'>;
  /** Multi-Cluster Services (with --multicluster-services; all stay 0 otherwise). */
  mcsExports: Gauge<'cluster'>;
  mcsImports: Gauge<'cluster'>;
  mcsTypeNotServed: Gauge<'cluster'>;
  mcsFailures: Counter<'cluster' | 'stage'>;
  mcsPropagation: Histogram;
  /** The Rollout (docs/rollouts.md): the stage reached (1-based, 0 when complete) and the phase (1 for the current one). */
  rolloutStage: Gauge<'rollout' | 'stage'>;
  rolloutPhase: Gauge<'rollout' | 'phase'>;
  /** Members per state of the rollout: updated (hold the target) and held (keep an older revision). */
  rolloutMembers: Gauge<'rollout' | 'state'>;
  /** Requests to members on the wire now, and the most at once since start (read from the shared gauge). */
  requestsInFlight: Gauge;
  requestsInFlightPeak: Gauge;
}

/** `inFlight`: the member clients' shared count (cluster/fleet-limits.ts), read at each scrape. */
export function createMetrics(sources: { inFlight?: () => InFlightCount } = {}): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gitfed_process_' });
  const registers = [registry];
  return {
    registry,
    reconcileDuration: new Histogram({
      name: 'gitfed_reconcile_duration_seconds',
      help: 'Duration of each reconcile stage (fetch, load, render, apply, health, report) and of the whole reconcile (total).',
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    reconcileFailures: new Counter({
      name: 'gitfed_reconcile_failures_total',
      help: 'Steps of a reconcile that failed, by stage reason (SourceFetchFailed, ManifestInvalid, MembersUnavailable, HealthCheckFailed, ReportCommitFailed, ...).',
      labelNames: ['stage'],
      registers,
    }),
    memberFailures: new Counter({
      name: 'gitfed_member_failures_total',
      help: 'Steps of one member that did not finish, by cluster and stage reason (ClusterNotReady, ObserveFailed, ApplyFailed, PruneFailed, InventorySaveFailed, ...).',
      labelNames: ['cluster', 'stage'],
      registers,
    }),
    objects: new Gauge({
      name: 'gitfed_objects',
      help: 'Objects per member by the action of the last reconcile (created, configured, unchanged, deleted, skipped).',
      labelNames: ['cluster', 'action'],
      registers,
    }),
    driftCorrections: new Counter({
      name: 'gitfed_drift_corrections_total',
      help: 'Member objects changed by hand that gitfed put back.',
      labelNames: ['cluster'],
      registers,
    }),
    memberReady: new Gauge({ name: 'gitfed_member_ready', help: '1 when the member is Ready by the health probe, else 0.', labelNames: ['cluster'], registers }),
    discoveredMembers: new Gauge({
      name: 'gitfed_discovered_members',
      help: 'Members discovered from Cluster API at the last reconcile, by source (capi/<namespace>) and Cluster API state (Ready, NotReady, Paused, Deleting).',
      labelNames: ['source', 'state'],
      registers,
    }),
    gitFetchDuration: new Histogram({
      name: 'gitfed_git_fetch_duration_seconds',
      help: 'Duration of checking the remote branch and fetching new commits.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    gitFetchErrors: new Counter({ name: 'gitfed_git_fetch_errors_total', help: 'Failed fetches from the Git remote.', registers }),
    appliedRevision: new Gauge({
      name: 'gitfed_applied_revision_info',
      help: 'The manifests revision last applied (value 1, revision as a label).',
      labelNames: ['revision'],
      registers,
    }),
    membersOwned: new Gauge({ name: 'gitfed_members_owned', help: 'Members this replica may write to now (its acknowledged share; with coordination on).', registers }),
    leader: new Gauge({ name: 'gitfed_leader', help: '1 while this replica holds the leader Lease (it commits the report), else 0.', registers }),
    handoffs: new Counter({
      name: 'gitfed_handoffs_total',
      help: 'Members that moved to this replica (direction=acquired) or away from it (direction=released).',
      labelNames: ['direction'],
      registers,
    }),
    leaseRenewDuration: new Histogram({
      name: 'gitfed_lease_renew_duration_seconds',
      help: 'Latency of writing this replica\'s Leases (lease=replica|leader) and of listing the instance\'s Leases (lease=list).',
      labelNames: ['lease'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    leaseRenewFailures: new Counter({ name: 'gitfed_lease_renew_failures_total', help: 'Lease reads and writes that failed, by lease (replica, leader, list).', labelNames: ['lease'], registers }),
    memberWrites: new Counter({
      name: 'gitfed_member_writes_total',
      help: 'Persisting requests (apply, create, replace, patch, delete) this replica sent to each member (with coordination on).',
      labelNames: ['cluster'],
      registers,
    }),
    mcsExports: new Gauge({ name: 'gitfed_mcs_exports', help: 'Services validly exported from each member (a ServiceExport with its Service) at the last multicluster-services pass.', labelNames: ['cluster'], registers }),
    mcsImports: new Gauge({ name: 'gitfed_mcs_imports', help: 'ServiceImports each member of the ClusterSet should hold at the last multicluster-services pass.', labelNames: ['cluster'], registers }),
    mcsTypeNotServed: new Gauge({ name: 'gitfed_mcs_type_not_served', help: '1 when the member does not serve multicluster.x-k8s.io/v1beta1 (TypeNotServed), else 0.', labelNames: ['cluster'], registers }),
    mcsFailures: new Counter({
      name: 'gitfed_mcs_failures_total',
      help: 'Multi-Cluster Services steps of one member that failed, by stage reason (ObserveFailed, ImportFailed, ExportStatusFailed).',
      labelNames: ['cluster', 'stage'],
      registers,
    }),
    mcsPropagation: new Histogram({
      name: 'gitfed_mcs_endpoint_propagation_seconds',
      help: 'From a watch event on an exporting member (EndpointSlice or ServiceExport) to its imports written in every importing member.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    rolloutStage: new Gauge({
      name: 'gitfed_rollout_stage',
      help: 'The stage the rollout has reached (1-based in spec.stages order; 0 when every stage is complete), labelled with its name.',
      labelNames: ['rollout', 'stage'],
      registers,
    }),
    rolloutPhase: new Gauge({
      name: 'gitfed_rollout_phase',
      help: 'The rollout phase: 1 for the current one of Complete, Progressing, Soaking, WaitingApproval, Halted.',
      labelNames: ['rollout', 'phase'],
      registers,
    }),
    rolloutMembers: new Gauge({
      name: 'gitfed_rollout_members',
      help: 'Members of the rollout that hold its target (updated) or still an older revision (held).',
      labelNames: ['rollout', 'state'],
      registers,
    }),
    requestsInFlight: new Gauge({
      name: 'gitfed_requests_in_flight',
      help: 'Requests to members sent and not yet answered, across every member (bounded by maxRequestsInFlight).',
      registers,
      collect() {
        if (sources.inFlight) this.set(sources.inFlight().now);
      },
    }),
    requestsInFlightPeak: new Gauge({
      name: 'gitfed_requests_in_flight_peak',
      help: 'The most requests to members that were in flight at once since the process started.',
      registers,
      collect() {
        if (sources.inFlight) this.set(sources.inFlight().peak);
      },
    }),
  };
}
