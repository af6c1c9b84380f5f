/** The daemon's Prometheus metrics, on a registry of its own (never the global one), so tests can read them. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

export function createMetrics(): DaemonMetrics {
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
  };
}
