/**
 * The members the daemon follows: one client per declared cluster (created when a revision declares it,
 * closed when none does), and each member's readiness by KubeFed's probe thresholds (decision 13). A
 * readiness flip is reported, so the daemon can re-plan replica splits as KubeFed did.
 */
import type { Logger } from 'pino';
import { closeMembers, connectMembers, type MemberConnection, type MemberCredentials } from '../cluster/connect-members.ts';
import { createFleetLimits, type FleetLimits } from '../cluster/fleet-limits.ts';
import { initialReadiness, nextReadiness, probeIntervalMs, type ClusterReadiness } from '../health/cluster-readiness.ts';

export interface MemberPool {
  /**
   * Connections for exactly these clusters (new ones connected, departed ones closed). Members whose credentials
   * are given (Cluster API) use them, and get a new client when the credentials change.
   */
  follow(clusters: readonly string[], credentials?: ReadonlyMap<string, MemberCredentials>): Promise<ReadonlyMap<string, MemberConnection>>;
  connections(): ReadonlyMap<string, MemberConnection>;
  /** Probe every member once and update readiness; returns the members whose readiness flipped. */
  probeAll(): Promise<string[]>;
  ready(): string[];
  readiness(): ReadonlyMap<string, ClusterReadiness>;
  close(): Promise<void>;
}

/** `requestLimits`: the bound every member's client shares (a fresh one with the defaults when not given). */
export function createMemberPool(options: { kubeconfig?: string | undefined; requestLimits?: FleetLimits }, deps: { logger: Logger; now?: () => Date }): MemberPool {
  const fleet = options.requestLimits ?? createFleetLimits();
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  let connected = new Map<string, MemberConnection>();
  const readiness = new Map<string, ClusterReadiness>();
  /** What each connection was made from: `kubeconfig`, a credentials fingerprint, or the unavailable message. */
  const madeFrom = new Map<string, string>();
  const keyOf = (given: MemberCredentials | undefined) => (!given ? 'kubeconfig' : 'unavailable' in given ? `unavailable:${given.unavailable}` : given.fingerprint);

  return {
    async follow(clusters, credentials) {
      const wanted = new Set(clusters);
      // A member whose credentials changed (a rotated Secret) is reconnected: closed here, connected again below.
      const changed = clusters.filter((name) => connected.has(name) && madeFrom.get(name) !== keyOf(credentials?.get(name)));
      const missing = clusters.filter((name) => !connected.has(name) || changed.includes(name));
      const added = missing.length > 0 ? await connectMembers(missing, { kubeconfig: options.kubeconfig, client: { fleet }, ...(credentials ? { credentials } : {}) }, { logger: deps.logger }) : new Map<string, MemberConnection>();
      const departed = new Map([...connected].filter(([name]) => !wanted.has(name) || changed.includes(name)));
      await closeMembers(departed);
      for (const name of departed.keys()) if (!wanted.has(name)) readiness.delete(name);
      if (changed.length > 0) deps.logger.info({ members: changed }, 'member credentials changed; clients replaced');
      connected = new Map([...[...connected].filter(([name]) => !departed.has(name)), ...added]);
      for (const name of added.keys()) {
        madeFrom.set(name, keyOf(credentials?.get(name)));
        const given = credentials?.get(name);
        // A member without credentials is not ready for that reason at once, not after three failed probes.
        if (given && 'unavailable' in given) readiness.set(name, { ...initialReadiness(now()), message: given.unavailable });
        else if (!readiness.has(name)) readiness.set(name, initialReadiness(now()));
      }
      for (const name of departed.keys()) if (!wanted.has(name)) madeFrom.delete(name);
      // New credentials are tried at once, so readiness follows them in this pass rather than the next probe.
      await Promise.all(
        changed.map(async (name) => {
          const connection = connected.get(name);
          if (!connection || 'unavailable' in connection) return;
          readiness.set(name, nextReadiness(readiness.get(name) ?? initialReadiness(now()), await connection.probe(), now()));
        }),
      );
      return connected;
    },
    connections: () => connected,
    async probeAll() {
      const flipped: string[] = [];
      await Promise.all(
        [...connected].map(async ([name, connection]) => {
          // A member its source holds back (no usable Secret, CAPI not Ready) is not ready, not unreachable.
          const held = madeFrom.get(name)?.startsWith('unavailable:') ?? false;
          const probe = 'unavailable' in connection ? { ok: false, reachable: held, message: connection.unavailable } : await connection.probe();
          const before = readiness.get(name) ?? initialReadiness(now());
          const after = nextReadiness(before, probe, now());
          readiness.set(name, after);
          if (after.ready !== before.ready) flipped.push(name);
        }),
      );
      return flipped.sort();
    },
    ready: () => [...readiness].filter(([, state]) => state.ready).map(([name]) => name).sort(),
    readiness: () => readiness,
    close: () => closeMembers(connected),
  };
}

export { probeIntervalMs };
