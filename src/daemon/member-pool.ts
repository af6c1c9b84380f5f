/**
 * The members the daemon follows: one client per declared cluster (created when a revision declares it,
 * closed when none does), and each member's readiness by KubeFed's probe thresholds (decision 13). A
 * readiness flip is reported, so the daemon can re-plan replica splits as KubeFed did.
 */
import type { Logger } from 'pino';
import { closeMembers, connectMembers, type MemberConnection } from '../cluster/connect-members.ts';
import { initialReadiness, nextReadiness, probeIntervalMs, type ClusterReadiness } from '../health/cluster-readiness.ts';

export interface MemberPool {
  /** Connections for exactly these clusters (new ones connected, departed ones closed). */
  follow(clusters: readonly string[]): Promise<ReadonlyMap<string, MemberConnection>>;
  connections(): ReadonlyMap<string, MemberConnection>;
  /** Probe every member once and update readiness; returns the members whose readiness flipped. */
  probeAll(): Promise<string[]>;
  ready(): string[];
  readiness(): ReadonlyMap<string, ClusterReadiness>;
  close(): Promise<void>;
}

export function createMemberPool(options: { kubeconfig?: string | undefined }, deps: { logger: Logger; now?: () => Date }): MemberPool {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  let connected = new Map<string, MemberConnection>();
  const readiness = new Map<string, ClusterReadiness>();

  return {
    async follow(clusters) {
      const wanted = new Set(clusters);
      const missing = clusters.filter((name) => !connected.has(name));
      const added = missing.length > 0 ? await connectMembers(missing, options, { logger: deps.logger }) : new Map<string, MemberConnection>();
      const departed = new Map([...connected].filter(([name]) => !wanted.has(name)));
      await closeMembers(departed);
      for (const name of departed.keys()) readiness.delete(name);
      connected = new Map([...[...connected].filter(([name]) => wanted.has(name)), ...added]);
      for (const name of added.keys()) readiness.set(name, initialReadiness(now()));
      return connected;
    },
    connections: () => connected,
    async probeAll() {
      const flipped: string[] = [];
      await Promise.all(
        [...connected].map(async ([name, connection]) => {
          const probe = 'unavailable' in connection ? { ok: false, reachable: false, message: connection.unavailable } : await connection.probe();
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
