import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../../src/cluster/cluster-client.ts';
import { createMemoryCoordination } from '../../../src/coordination/memory-stores.ts';
import { createCoordinator, type Coordinator } from '../../../src/daemon/coordinator.ts';
import { createMetrics } from '../../../src/daemon/metrics.ts';

const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'];
const timing = { durationSeconds: 15, renewIntervalMs: 5_000, retryIntervalMs: 2_000, collectAfterMs: 600_000 };

function cluster() {
  const clock = { now: 1_000_000 };
  const store = createMemoryCoordination();
  const make = (id: string) =>
    createCoordinator({ instance: 'x', replicaId: id, ...timing }, { leases: store.leases, statuses: store.statuses(id), metrics: createMetrics(), logger: pino({ level: 'silent' }), now: () => clock.now });
  return { clock, store, make };
}

const connections = new Map(members.map((member) => [member, { unavailable: 'stub' }]));
/** The members a replica may write at this moment (no tick). */
const writableNow = (replica: Coordinator) => new Set(replica.clients(connections).keys());

/**
 * One tick of each replica in turn; after every single tick, no member may be writable by two replicas at once.
 * Returns every replica's writable members after the round.
 */
async function tick(replicas: Coordinator[], clock: { now: number }, everyone: Coordinator[] = replicas): Promise<Set<string>[]> {
  for (const replica of replicas) {
    await replica.follow(members);
    expect(overlap(everyone.map(writableNow))).toEqual([]);
  }
  clock.now += timing.retryIntervalMs;
  return replicas.map(writableNow);
}

function overlap(shares: Set<string>[]): string[] {
  const seen = new Map<string, number>();
  for (const share of shares) for (const member of share) seen.set(member, (seen.get(member) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([member]) => member);
}

describe('coordinator (simulated Leases, virtual clock)', () => {
  it('hands members to a joining replica without a moment where two replicas may write one member', async () => {
    const { clock, make } = cluster();
    const a = make('a');
    expect([...(await a.follow(members))]).toEqual(members);
    const b = make('b');
    let last: Set<string>[] = [];
    for (let i = 0; i < 6; i++) last = await tick([b, a], clock);
    expect(last[0]!.size).toBeGreaterThan(0);
    expect(last[0]!.size + last[1]!.size).toBe(members.length);
  });

  it('takes over a killed replica\'s members only after its Lease expired', async () => {
    const { clock, make } = cluster();
    const [a, b] = [make('a'), make('b')];
    for (let i = 0; i < 4; i++) await tick([a, b], clock);
    const bShare = new Set(await b.follow(members));
    expect(bShare.size).toBeGreaterThan(0);
    const killedAt = clock.now; // b stops ticking: no release
    let full = -1;
    for (let i = 0; i < 12 && full < 0; i++) {
      const [aShare] = await tick([a], clock);
      const taken = [...bShare].filter((m) => aShare!.has(m));
      if (clock.now - killedAt < 15_000) expect(taken).toEqual([]);
      if (aShare!.size === members.length) full = clock.now - killedAt;
    }
    expect(full).toBeGreaterThanOrEqual(15_000);
    expect(full).toBeLessThanOrEqual(15_000 + 2 * timing.retryIntervalMs);
  });

  it('moves a released replica\'s members at the next tick', async () => {
    const { clock, make } = cluster();
    const [a, b] = [make('a'), make('b')];
    for (let i = 0; i < 4; i++) await tick([a, b], clock);
    expect((await b.follow(members)).size).toBeGreaterThan(0);
    await b.release();
    expect(b.healthy()).toBe(false);
    const [aShare] = await tick([a], clock);
    expect([...aShare!].sort()).toEqual(members);
  });

  it('stops writing and turns unready before its Lease can expire when the coordination cluster is away', async () => {
    const { clock, store, make } = cluster();
    const a = make('a');
    await a.follow(members);
    let writes = 0;
    const client = { cluster: 'm1', create: async () => (writes++, {}), apply: async () => (writes++, {}) } as unknown as ClusterClient;
    const guarded = a.clients(new Map([['m1', client]])).get('m1') as ClusterClient;
    await guarded.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    expect(writes).toBe(1);
    const lastRenew = clock.now;
    store.down = true;
    for (let i = 0; i < 8; i++) await tick([a], clock);
    expect(clock.now - lastRenew).toBeLessThan(15_000 + 2 * timing.retryIntervalMs);
    expect(a.healthy()).toBe(false);
    expect((await a.follow(members)).size).toBe(0);
    await expect(guarded.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).rejects.toThrow(/not this replica's to write/);
    await guarded.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, { dryRun: true });
    expect(writes).toBe(2); // the dry run passed through; the refused create did not
    store.down = false;
    await tick([a], clock);
    expect(a.healthy()).toBe(true);
    expect((await a.follow(members)).size).toBe(members.length);
  });

  it('elects one leader, and another at the next tick after it releases', async () => {
    const { clock, make } = cluster();
    const [a, b] = [make('a'), make('b')];
    let changes = 0;
    b.onChange(() => changes++);
    for (let i = 0; i < 3; i++) await tick([a, b], clock);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    const before = changes;
    await a.release();
    await tick([b], clock);
    expect(b.isLeader()).toBe(true);
    expect(changes).toBeGreaterThan(before);
  });
});

describe('coordinator cleanup of replicas gone for good', () => {
  it('the leader deletes a killed replica\'s Lease and status after the cleanup delay, and keeps the live ones', async () => {
    const clock = { now: 1_000_000 };
    const store = createMemoryCoordination();
    const make = (id: string) =>
      createCoordinator(
        { instance: 'x', replicaId: id, ...timing, collectAfterMs: 20_000 },
        { leases: store.leases, statuses: store.statuses(id), metrics: createMetrics(), logger: pino({ level: 'silent' }), now: () => clock.now },
      );
    const [a, b] = [make('a'), make('b')];
    for (let i = 0; i < 3; i++) await tick([a, b], clock);
    const pass = { applied: { revision: 'r1', clusters: {} }, driftCorrected: {} };
    await a.share('r1', [], pass);
    await b.share('r1', [], pass);
    const leader = a.isLeader() ? a : b;
    const victim = leader === a ? 'b' : 'a';
    const survivor = leader === a ? 'a' : 'b';
    expect(store.records().filter((record) => record.role === 'replica').map((record) => record.holder).sort()).toEqual(['a', 'b']);
    expect((await store.statuses('a').publishers()).length).toBe(2);
    // The victim stops ticking (kill -9). Its Lease expires after 15 s, is deleted 20 s later; its status 20 s after that.
    for (let elapsed = 0; elapsed < 30_000; elapsed += timing.retryIntervalMs) await tick([leader], clock, [leader]);
    expect(store.records().some((record) => record.holder === victim && record.role === 'replica')).toBe(true);
    for (let elapsed = 0; elapsed < 14_000; elapsed += timing.retryIntervalMs) await tick([leader], clock, [leader]);
    expect(store.records().some((record) => record.holder === victim && record.role === 'replica')).toBe(false);
    expect(await store.statuses('a').publishers()).toEqual(['a', 'b']);
    for (let elapsed = 0; elapsed < 30_000; elapsed += timing.retryIntervalMs) await tick([leader], clock, [leader]);
    expect(await store.statuses('a').publishers()).toEqual([survivor]);
    expect(store.records().some((record) => record.role === 'replica' && record.holder === survivor)).toBe(true);
  });
});
