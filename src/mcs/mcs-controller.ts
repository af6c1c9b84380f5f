/**
 * The multicluster-services controller (effect; `gitfed run --multicluster-services`): one pass at a time reads
 * every member of the ClusterSet (observe-members.ts), plans the imports (plan-imports.ts, pure), writes each
 * member's (write-imports.ts) and the exports' conditions. Passes are triggered by watches on the exporting
 * members' EndpointSlices and ServiceExports (a change reaches the importers within a pass, without waiting for
 * a drift pass), by the daemon after every reconcile, and by a resync timer. Triggers during a pass coalesce
 * into one next pass.
 *
 * Safety: a member that could not be read makes the pass write but not prune (its exports are unknown, so no
 * import is removed on its account); a member that does not serve the MCS API is TypeNotServed and skipped.
 * Failures are member failures with stage reasons (ObserveFailed, ImportFailed, ExportStatusFailed), counted in
 * the metrics and carried in the summary the report shows.
 */
import type { Logger } from 'pino';
import type { ClusterClient, WatchHandle } from '../cluster/cluster-client.ts';
import { identityOf, resourceId } from '../model/identity.ts';
import type { KubeObject } from '../model/types.ts';
import { conditionsChanged, exportConditions } from './export-conditions.ts';
import { endpointSliceApiVersion, localServiceNameLabel, mcsApiVersion, serviceExportKind } from './mcs-api.ts';
import { observeMember, type ObservedMember } from './observe-members.ts';
import { planImports, type ImportPlan } from './plan-imports.ts';
import { planMemberWrites } from './plan-member-writes.ts';
import { summarizeServices, type McsFailure, type McsSummary } from './summarize-services.ts';
import { writeImports } from './write-imports.ts';

export const mcsFieldManager = 'gitfed-multicluster-services';

/** The metrics the controller updates (prom-client objects in the daemon; any recorder in tests and benchmarks). */
export interface McsMetrics {
  exports: { set(labels: { cluster: string }, value: number): void };
  imports: { set(labels: { cluster: string }, value: number): void };
  typeNotServed: { set(labels: { cluster: string }, value: number): void };
  failures: { inc(labels: { cluster: string; stage: string }): void };
  propagation: { observe(seconds: number): void };
}

export interface McsControllerOptions {
  instance: string;
  clusterSet: string;
  /** CRDs to install into members that lack them (`--install-mcs-crds`). */
  crds?: readonly KubeObject[];
  /** A full pass at least this often, watches or not. */
  resyncMs: number;
  /** Wait this long after a watch event for more before a pass (bursts of slice updates cost one pass). */
  debounceMs?: number;
}

export interface McsControllerDeps {
  /** The ClusterSet's members with their clients, read at the start of each pass. */
  members: () => ReadonlyMap<string, ClusterClient>;
  logger: Logger;
  metrics: McsMetrics;
  now: () => Date;
  /** Called when the summary (what the report shows) changed. */
  onSummaryChange?: (summary: McsSummary) => void;
}

export interface McsController {
  start(): void;
  trigger(reason: string): void;
  /** Resolves when no pass runs or waits. */
  idle(): Promise<void>;
  summary(): McsSummary | undefined;
  close(): Promise<void>;
}

export function createMcsController(options: McsControllerOptions, deps: McsControllerDeps): McsController {
  const log = deps.logger.child({ component: 'multicluster-services' });
  const watches = new Map<string, { client: ClusterClient; handles: WatchHandle[] }>();
  let running: Promise<void> | null = null;
  let pending = false;
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;
  let resync: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];
  /**
   * Monotonic time of the first watch event no pass has seen yet (propagation latency). A pass has seen an event
   * when its reads finished after it (`lastObservedAt`): whichever pass that is, the one running when the event came
   * or the next, its writes are the event's propagation.
   */
  let firstEventAt: number | undefined;
  let lastObservedAt = 0;
  let last: McsSummary | undefined;

  const trigger = (reason: string): void => {
    if (closed) return;
    log.debug({ reason }, 'multicluster-services pass requested');
    pending = true;
    if (!running) running = loop();
  };

  const onWatchEvent = (): void => {
    firstEventAt ??= performance.now();
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      trigger('watch');
    }, options.debounceMs ?? 20);
  };

  async function loop(): Promise<void> {
    while (pending && !closed) {
      pending = false;
      try {
        const wrote = await pass();
        if (firstEventAt !== undefined && firstEventAt <= lastObservedAt) {
          if (wrote) deps.metrics.propagation.observe((performance.now() - firstEventAt) / 1000);
          firstEventAt = undefined;
        }
      } catch (err) {
        // pass() turns member failures into outcomes; anything else is a bug, still counted and summarized.
        deps.metrics.failures.inc({ cluster: '', stage: 'InternalError' });
        log.error({ err, stage: 'InternalError' }, 'multicluster-services pass failed unexpectedly');
      }
    }
    running = null;
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  }

  /** One pass; true when it wrote or deleted anything in some member. */
  async function pass(): Promise<boolean> {
    const members = deps.members();
    const started = performance.now();
    const failures: McsFailure[] = [];
    const fail = (cluster: string, stage: McsFailure['stage'], message: string): void => {
      failures.push({ cluster, stage, message });
      deps.metrics.failures.inc({ cluster, stage });
      log.warn({ cluster, stage, message }, 'multicluster-services step failed');
    };
    const observed: ObservedMember[] = [];
    await Promise.all([...members].map(async ([cluster, client]) => {
      try {
        observed.push(await observeMember(client, { instance: options.instance, fieldManager: mcsFieldManager, ...(options.crds ? { crds: options.crds } : {}) }));
      } catch (err) {
        fail(cluster, 'ObserveFailed', err instanceof Error ? err.message : String(err));
      }
    }));
    observed.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
    const observedAt = performance.now();
    lastObservedAt = observedAt;
    const prune = failures.length === 0;
    const plan = planImports({ instance: options.instance, clusterSet: options.clusterSet, members: observed });
    syncWatches(members, observed);

    let wrote = false;
    const failedImports = new Map<string, Set<string>>(); // service key → importers whose write failed
    await Promise.all(observed.filter((member) => member.served).map(async (member) => {
      const client = members.get(member.cluster)!;
      const writes = planMemberWrites(plan.desired[member.cluster] ?? [], member.live, options.instance);
      for (const held of writes.held) fail(member.cluster, 'ImportFailed', held.message);
      const result = await writeImports(client, writes, member.live, { prune, fieldManager: mcsFieldManager });
      if (result.written.length > 0 || result.deleted > 0) wrote = true;
      for (const failure of result.failures) {
        fail(member.cluster, 'ImportFailed', failure.message);
        const service = failure.object.metadata.labels?.['multicluster.kubernetes.io/service-name'] ?? failure.object.metadata.name;
        const key = `${failure.object.metadata.namespace}/${service}`;
        failedImports.set(key, new Set([...(failedImports.get(key) ?? []), member.cluster]));
      }
    }));
    const wroteAt = performance.now();
    await writeExportStatus(plan, observed, members, failedImports, fail);
    log.debug({ observeMs: Math.round(observedAt - started), writeMs: Math.round(wroteAt - observedAt), statusMs: Math.round(performance.now() - wroteAt), services: plan.services.length }, 'multicluster-services pass');
    recordMetrics(plan, observed);
    const summary = summarizeServices(options.clusterSet, plan, failures);
    const changed = JSON.stringify(summary) !== JSON.stringify(last);
    last = summary;
    if (changed) deps.onSummaryChange?.(summary);
    return wrote;
  }

  async function writeExportStatus(
    plan: ImportPlan,
    observed: readonly ObservedMember[],
    members: ReadonlyMap<string, ClusterClient>,
    failedImports: ReadonlyMap<string, ReadonlySet<string>>,
    fail: (cluster: string, stage: McsFailure['stage'], message: string) => void,
  ): Promise<void> {
    const now = deps.now().toISOString();
    const byKey = new Map(plan.services.map((service) => [`${service.namespace}/${service.name}`, service]));
    await Promise.all(observed.flatMap((member) => member.exports.map(async (live) => {
      const key = `${live.metadata.namespace}/${live.metadata.name}`;
      const service = byKey.get(key);
      if (!service) return;
      const conditions = exportConditions({ service, cluster: member.cluster, live, failedImporters: [...(failedImports.get(key) ?? [])].sort(), now });
      if (!conditionsChanged(live, conditions)) return;
      const client = members.get(member.cluster)!;
      try {
        if (!client.applyStatus) throw new Error(`the client for ${member.cluster} cannot write status`);
        await client.applyStatus(
          { apiVersion: mcsApiVersion, kind: serviceExportKind, metadata: { name: live.metadata.name, namespace: live.metadata.namespace }, status: { conditions } } as KubeObject,
          { fieldManager: mcsFieldManager, force: true },
        );
      } catch (err) {
        fail(member.cluster, 'ExportStatusFailed', `conditions of ${resourceId(identityOf(live))}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })));
  }

  function recordMetrics(plan: ImportPlan, observed: readonly ObservedMember[]): void {
    for (const member of observed) {
      deps.metrics.typeNotServed.set({ cluster: member.cluster }, member.served ? 0 : 1);
      const valid = plan.services.filter((service) => service.exporters.includes(member.cluster)).length;
      deps.metrics.exports.set({ cluster: member.cluster }, valid);
      deps.metrics.imports.set({ cluster: member.cluster }, member.served ? plan.services.filter((service) => service.importers.includes(member.cluster)).length : 0);
    }
  }

  /** A watch on EndpointSlices and ServiceExports in every member serving the API; restarted when it ends. */
  function syncWatches(members: ReadonlyMap<string, ClusterClient>, observed: readonly ObservedMember[]): void {
    const wanted = new Map(observed.filter((member) => member.served).map((member) => [member.cluster, members.get(member.cluster)!]));
    for (const [cluster, entry] of watches) {
      if (wanted.get(cluster) === entry.client) continue;
      for (const handle of entry.handles) handle.stop();
      watches.delete(cluster);
    }
    for (const [cluster, client] of wanted) {
      if (watches.has(cluster) || !client.watch) continue;
      const entry = { client, handles: [] as WatchHandle[] };
      watches.set(cluster, entry);
      const keep = (apiVersion: string, kind: string, labelSelector?: string): void => {
        if (closed || watches.get(cluster) !== entry) return;
        const handle = client.watch!(apiVersion, kind, labelSelector ? { labelSelector } : {}, onWatchEvent);
        entry.handles.push(handle);
        handle.done.then(
          () => setTimeout(() => keep(apiVersion, kind, labelSelector), 200),
          (err: unknown) => {
            log.warn({ cluster, kind, message: err instanceof Error ? err.message : String(err) }, 'watch ended; restarting');
            setTimeout(() => keep(apiVersion, kind, labelSelector), 1_000);
          },
        ).finally(() => {
          entry.handles = entry.handles.filter((h) => h !== handle);
        });
      };
      keep(endpointSliceApiVersion, 'EndpointSlice', localServiceNameLabel);
      keep(mcsApiVersion, serviceExportKind);
    }
  }

  return {
    start() {
      trigger('startup');
      resync = setInterval(() => trigger('resync'), options.resyncMs);
    },
    trigger,
    idle() {
      if (!running) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    summary: () => last,
    async close() {
      closed = true;
      if (debounce) clearTimeout(debounce);
      if (resync) clearInterval(resync);
      for (const entry of watches.values()) for (const handle of entry.handles) handle.stop();
      watches.clear();
      await running;
    },
  };
}
