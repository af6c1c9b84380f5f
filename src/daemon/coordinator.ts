/**
 * Several `gitfed run` replicas sharing the members: the effect side of coordination/lease-ownership.ts. Every
 * `retryIntervalMs` (and whenever the reconcile asks) one tick lists the instance's Leases, decides what this
 * replica owns, drops what it no longer owns before anything is sent, writes its own Lease (claims, renew) and
 * the leader Lease, and then makes writable only what that write acknowledged. Ticks never overlap.
 *
 * The reconcile sees this as a MemberShard: the writable members' clients, each guarded so a write is refused
 * the moment the member stops being writable (handed off, or the Lease not renewed in time), and share(),
 * which publishes this replica's member status and, on the leader, merges everyone's for the report.
 */
import type { Logger } from 'pino';
import type { ApplyReport, MemberClients } from '../apply/apply-all.ts';
import type { MemberStatus } from '../apply/live-status.ts';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import type { MemberConnection } from '../cluster/connect-members.ts';
import {
  decideOwnership,
  findLeftovers,
  isExpired,
  isFresh,
  leaderLeaseName,
  nextLeaderStep,
  observeLeases,
  releasedLeaderLease,
  replicaLease,
  replicaLeaseName,
  writableAfterRenew,
  writableBeforeRenew,
  type LeaseRecord,
  type LeaseTimings,
  type ObservedLease,
} from '../coordination/lease-ownership.ts';
import type { LeaseStore } from '../coordination/lease-store.ts';
import { mergeStatuses, type MemberEntry } from '../coordination/merge-statuses.ts';
import type { StatusStore } from '../coordination/status-store.ts';
import { GitfedError } from '../model/diagnostic.ts';
import type { DaemonMetrics } from './metrics.ts';

/** What one pass of this replica contributes to the report. */
export interface PassStatus {
  applied: ApplyReport;
  live?: Record<string, MemberStatus>;
  driftCorrected: Record<string, number>;
}

/** The reconcile's view of coordination (absent: one replica, every member its own). */
export interface MemberShard {
  /** Follows these members: decides and persists this replica's claims, returns the members it may write now. */
  follow(members: readonly string[]): Promise<ReadonlySet<string>>;
  /** The writable members' connections, each refusing writes once the member is no longer writable. */
  clients(connections: ReadonlyMap<string, MemberConnection>): MemberClients;
  /** This replica commits reports (it holds the leader Lease, renewed in time). */
  isLeader(): boolean;
  /**
   * Publishes this replica's members' status for `revision`; on the leader, returns every member's (from every
   * replica) once each wanted member has one, or the wait ran out. Undefined: nothing to commit now.
   */
  share(revision: string | null, wanted: readonly string[], own: PassStatus): Promise<PassStatus | undefined>;
}

export interface Coordinator extends MemberShard {
  /** Runs the first tick and starts the timer. */
  start(): Promise<void>;
  /** The Lease was renewed within the renew deadline (readiness). */
  healthy(): boolean;
  /** Called when this replica gains members, gains leadership, or (leader) another replica's status moved. */
  onChange(listener: () => void): void;
  /**
   * SIGTERM: stops writing to members at once (writes of a pass in progress are refused from here on; the
   * inventory's intent keeps such a pass safe), then gives up the Leases (deletes this replica's, releases the
   * leader's), so the others take over at their next tick instead of after a Lease duration.
   */
  release(): Promise<void>;
}

export interface CoordinatorOptions {
  instance: string;
  replicaId: string;
  durationSeconds: number;
  renewIntervalMs: number;
  retryIntervalMs: number;
  /** The leader deletes Leases and statuses of replicas gone this long (lease-ownership.ts rule 8). */
  collectAfterMs: number;
}

export interface CoordinatorDeps {
  leases: LeaseStore;
  statuses: StatusStore;
  metrics: DaemonMetrics;
  logger: Logger;
  /** Local ms (Date.now by default). */
  now?: () => number;
}

export function createCoordinator(options: CoordinatorOptions, deps: CoordinatorDeps): Coordinator {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ replica: options.replicaId });
  const timings: LeaseTimings = { durationSeconds: options.durationSeconds, renewDeadlineMs: options.durationSeconds * 1000 - options.renewIntervalMs };
  const ownName = replicaLeaseName(options.instance, options.replicaId);
  const leaderName = leaderLeaseName(options.instance);
  let observed = new Map<string, ObservedLease>();
  let members: string[] = [];
  let own: LeaseRecord | undefined;
  let lastRenewAt: number | undefined;
  let leaderRenewAt: number | undefined;
  let leaderRecord: LeaseRecord | undefined;
  let writable = new Set<string>();
  let statusDigest: string | undefined;
  /** The revision this replica last applied, and every revision seen on other replicas' Leases. */
  let revision: string | undefined;
  const seenRevisions = new Set<string>();
  let peerDigests = '';
  let reportWanted: { revision: string | null; since: number } | undefined;
  let stopped = false;
  let wasLeader = false;
  let unhealthyLogged = false;
  const listeners: (() => void)[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let orphanedSince = new Map<string, number>();
  let collectedAt: number | undefined;

  const fresh = () => !stopped && isFresh(lastRenewAt, now(), timings);
  const mayWrite = (member: string) => fresh() && writable.has(member);
  const isLeader = () => !stopped && leaderRecord?.holder === options.replicaId && isFresh(leaderRenewAt, now(), timings);
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const runTick = (): Promise<void> => {
    // A tick answers every request failure itself; one that still throws is a bug: logged, and the next tick runs.
    chain = chain.then(() =>
      tick().catch((err: unknown) => {
        deps.metrics.reconcileFailures.inc({ stage: 'InternalError' });
        logger.error({ err, stage: 'InternalError' }, 'coordination tick failed');
      }),
    );
    return chain;
  };

  async function tick(): Promise<void> {
    if (stopped) return;
    const startedAt = now();
    const listed = await timed('list', () => deps.leases.list());
    if (!listed.ok) return staleCheck();
    observed = observeLeases(observed, listed.value, startedAt);
    own = listed.value.find((record) => record.name === ownName);
    const decision = decideOwnership({ self: options.replicaId, members, observed, now: startedAt });
    const before = writable;
    writable = writableBeforeRenew(writable, decision.claims); // rule 4: stop before the release is visible
    const claimsChanged =
      own === undefined || own.claims.join(',') !== [...decision.claims].sort().join(',') || own.statusDigest !== statusDigest || own.revision !== revision;
    if (claimsChanged || lastRenewAt === undefined || startedAt - lastRenewAt >= options.renewIntervalMs) {
      const sentAt = now();
      const record = replicaLease(own, {
        name: ownName,
        self: options.replicaId,
        claims: decision.claims,
        ...(statusDigest ? { statusDigest } : {}),
        ...(revision ? { revision } : {}),
        now: sentAt,
        durationSeconds: options.durationSeconds,
      });
      const written = await timed('replica', () => (own?.resourceVersion ? deps.leases.replace(record) : deps.leases.create(record)));
      if (written.ok) {
        own = written.value;
        lastRenewAt = sentAt;
        writable = writableAfterRenew(decision.claims);
        unhealthyLogged = false;
      } else {
        own = undefined; // re-read at the next tick (a Conflict, or a Lease someone deleted)
      }
    }
    await leaderTick();
    await collectLeftovers();
    staleCheck();
    reportHandoffs(before, decision.waiting.length);
    deps.metrics.membersOwned.set(fresh() ? writable.size : 0);
    const gained = [...writable].some((member) => !before.has(member));
    const digests = [...observed.values()].filter((lease) => lease.record.role === 'replica' && lease.record.holder !== options.replicaId).map((lease) => `${lease.record.holder}=${lease.record.statusDigest ?? ''}`).sort().join(',');
    const peersMoved = digests !== peerDigests;
    peerDigests = digests;
    const leaderNow = isLeader();
    const becameLeader = leaderNow && !wasLeader;
    wasLeader = leaderNow;
    const reportDue = leaderNow && reportWanted !== undefined && now() - reportWanted.since >= 2 * options.durationSeconds * 1000;
    // A revision another replica applied that this one has not: a push it heard of (webhooks reach one pod).
    const peerRevisions = [...observed.values()].flatMap((lease) => (lease.record.role === 'replica' && lease.record.holder !== options.replicaId && lease.record.revision ? [lease.record.revision] : []));
    const newRevision = peerRevisions.some((seen) => seen !== revision && !seenRevisions.has(seen));
    for (const seen of peerRevisions) seenRevisions.add(seen);
    if (gained || becameLeader || (leaderNow && peersMoved) || reportDue || newRevision) changed();
  }

  async function leaderTick(): Promise<void> {
    if (!isFresh(lastRenewAt, now(), timings)) return; // a replica that cannot keep its own Lease does not lead
    const current = observed.get(leaderName);
    const step = nextLeaderStep(current, { name: leaderName, self: options.replicaId, now: now(), durationSeconds: options.durationSeconds });
    if (step.kind === 'follow') {
      if (leaderRecord?.holder === options.replicaId) logger.warn({ leader: step.holder }, 'leadership lost');
      leaderRecord = current?.record;
      leaderRenewAt = undefined;
      deps.metrics.leader.set(0);
      return;
    }
    if (step.kind === 'renew' && leaderRenewAt !== undefined && now() - leaderRenewAt < options.renewIntervalMs) return;
    const sentAt = now();
    const written = await timed('leader', () => (step.kind === 'create' ? deps.leases.create(step.record) : deps.leases.replace(step.record)));
    if (!written.ok) return;
    if (step.kind !== 'renew') logger.info({ lease: leaderName, transitions: step.record.transitions }, 'leadership acquired: this replica commits the report');
    leaderRecord = written.value;
    leaderRenewAt = sentAt;
    deps.metrics.leader.set(1);
  }

  /** The leader deletes what replicas gone for good left behind, once per renew interval at most. */
  async function collectLeftovers(): Promise<void> {
    if (!isLeader() || (collectedAt !== undefined && now() - collectedAt < options.renewIntervalMs)) return;
    collectedAt = now();
    const publishers = await timed('cleanup', () => deps.statuses.publishers());
    if (!publishers.ok) return;
    const leftovers = findLeftovers({ self: options.replicaId, observed, publishers: publishers.value, orphanedSince, now: now(), collectAfterMs: options.collectAfterMs });
    orphanedSince = leftovers.orphanedSince;
    for (const name of leftovers.leases) {
      if ((await timed('cleanup', () => deps.leases.delete(name))).ok) logger.info({ lease: name }, 'deleted the Lease of a replica gone for good');
    }
    for (const replica of leftovers.statuses) {
      if ((await timed('cleanup', () => deps.statuses.remove(replica))).ok) logger.info({ gone: replica }, 'deleted the member status of a replica gone for good');
    }
  }

  /** Rule 5: a replica that could not renew in time writes nothing and says so once. */
  function staleCheck(): void {
    if (isFresh(lastRenewAt, now(), timings) || stopped) return;
    if (writable.size > 0 || !unhealthyLogged) {
      logger.error({ lease: ownName, lastRenewAgoMs: lastRenewAt === undefined ? null : now() - lastRenewAt }, 'Lease not renewed in time: writing to no member until it is');
      unhealthyLogged = true;
    }
    writable = new Set();
    deps.metrics.membersOwned.set(0);
    if (!isFresh(leaderRenewAt, now(), timings)) deps.metrics.leader.set(0);
  }

  let lastLogged = '';
  function reportHandoffs(before: ReadonlySet<string>, waiting: number): void {
    const acquired = [...writable].filter((member) => !before.has(member));
    const released = [...before].filter((member) => !writable.has(member));
    if (acquired.length > 0) deps.metrics.handoffs.inc({ direction: 'acquired' }, acquired.length);
    if (released.length > 0) deps.metrics.handoffs.inc({ direction: 'released' }, released.length);
    const key = `${[...writable].sort().join(',')}|${waiting}`;
    if (key !== lastLogged) {
      lastLogged = key;
      logger.info({ owned: [...writable].sort(), acquired, released, waitingForHandoff: waiting }, 'members owned by this replica');
    }
  }

  async function timed<T>(lease: 'list' | 'replica' | 'leader' | 'cleanup', work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    const end = deps.metrics.leaseRenewDuration.startTimer({ lease });
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      deps.metrics.leaseRenewFailures.inc({ lease });
      logger.warn({ lease, message: err instanceof Error ? err.message : String(err) }, 'coordination request failed');
      return { ok: false };
    } finally {
      end();
    }
  }

  function guard(client: ClusterClient): ClusterClient {
    const write = <T>(work: () => Promise<T>): Promise<T> => {
      if (!mayWrite(client.cluster)) {
        return Promise.reject(new GitfedError('ApplyFailed', `member ${client.cluster} is not this replica's to write to now (handed off, or its Lease not renewed in time)`, { cluster: client.cluster }));
      }
      deps.metrics.memberWrites.inc({ cluster: client.cluster });
      return work();
    };
    return {
      cluster: client.cluster,
      apply: (object, request) => (request?.dryRun ? client.apply(object, request) : write(() => client.apply(object, request))),
      get: (ref) => client.get(ref),
      list: (apiVersion, kind, request) => client.list(apiVersion, kind, request),
      create: (object) => write(() => client.create(object)),
      replace: (object) => write(() => client.replace(object)),
      mergePatch: (ref, patch) => write(() => client.mergePatch(ref, patch)),
      delete: (ref, deleteOptions) => write(() => client.delete(ref, deleteOptions)),
      scopeOf: (apiVersion, kind) => client.scopeOf(apiVersion, kind),
      invalidateDiscovery: () => client.invalidateDiscovery(),
      probe: () => client.probe(),
      stats: () => client.stats(),
      close: () => client.close(),
    };
  }

  return {
    async start() {
      await runTick();
      timer = setInterval(() => void runTick(), options.retryIntervalMs);
    },
    healthy: fresh,
    onChange(listener) {
      listeners.push(listener);
    },
    async follow(next) {
      members = [...new Set(next)].sort();
      await runTick();
      return new Set([...writable].filter(mayWrite));
    },
    clients(connections) {
      const out = new Map<string, ClusterClient | { unavailable: string }>();
      for (const [name, connection] of connections) {
        if (!mayWrite(name)) continue;
        out.set(name, 'unavailable' in connection ? connection : guard(connection));
      }
      return out;
    },
    isLeader,
    async share(passRevision, wanted, pass) {
      if (stopped) return undefined;
      const entries: Record<string, MemberEntry> = {};
      for (const [member, applied] of Object.entries(pass.applied.clusters)) {
        if (!mayWrite(member)) continue; // handed off mid-pass: its new owner reports it
        entries[member] = { applied, ...(pass.live?.[member] ? { live: pass.live[member] } : {}), driftCorrected: pass.driftCorrected[member] ?? 0 };
      }
      const digest = await deps.statuses.publish({ replica: options.replicaId, revision: passRevision, members: entries });
      if (digest !== statusDigest || (passRevision ?? undefined) !== revision) {
        statusDigest = digest;
        revision = passRevision ?? undefined;
        if (revision) seenRevisions.add(revision);
        void runTick(); // the Lease carries the digest, so the leader re-reads at once
      }
      if (!isLeader()) return undefined;
      const claimedBy = new Map<string, string>();
      for (const lease of observed.values()) {
        if (lease.record.role !== 'replica' || isExpired(lease, now())) continue;
        for (const member of lease.record.claims) claimedBy.set(member, lease.record.holder);
      }
      for (const member of writable) claimedBy.set(member, options.replicaId);
      const merged = mergeStatuses({ revision: passRevision, wanted, statuses: await deps.statuses.list(), claimedBy });
      if (merged.missing.length > 0) {
        if (reportWanted?.revision !== passRevision) reportWanted = { revision: passRevision, since: now() };
        if (now() - reportWanted.since < 2 * options.durationSeconds * 1000) {
          logger.info({ missing: merged.missing }, 'report waits for the status of members other replicas own');
          return undefined;
        }
        logger.warn({ missing: merged.missing }, 'report committed without the status of some members: their owners published none in time');
      }
      reportWanted = undefined;
      return { applied: merged.applied, live: merged.live, driftCorrected: merged.driftCorrected };
    },
    async release() {
      stopped = true;
      writable = new Set();
      if (timer) clearInterval(timer);
      await chain; // never rejects: every tick's failure was caught, logged and counted above
      const leader = leaderRecord?.holder === options.replicaId ? leaderRecord : undefined;
      await Promise.all([
        deps.leases.delete(ownName).then(
          () => logger.info({ lease: ownName }, 'Lease released: members move to the other replicas now'),
          (err: unknown) => logger.warn({ lease: ownName, message: err instanceof Error ? err.message : String(err) }, 'Lease not released; it expires instead'),
        ),
        leader
          ? deps.leases.replace(releasedLeaderLease(leader, now())).then(
              () => logger.info({ lease: leaderName }, 'leadership released'),
              (err: unknown) => logger.warn({ lease: leaderName, message: err instanceof Error ? err.message : String(err) }, 'leadership not released; it expires instead'),
            )
          : undefined,
      ]);
      deps.metrics.membersOwned.set(0);
      deps.metrics.leader.set(0);
    },
  };
}
