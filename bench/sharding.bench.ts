/**
 * Sharding benchmark (issue 12): the real assignment and coordinator code (daemon/coordinator.ts over
 * coordination/*) with simulated Leases (in-memory stores with the API server's write rules) on a virtual clock.
 * 500 members over 1–10 replicas; per replica count:
 *   balance      max/mean members per replica (rendezvous hashing, and the coordinators' converged claims)
 *   join / leave fraction of the members whose owner changes when one replica joins / leaves (target ≤ 1.5/N)
 *   kill         virtual seconds from a replica's death (no release) to every member writable by a survivor
 *   release      the same after SIGTERM (Leases released)
 *   assign µs    wall time of one assignMembers over all members
 *
 *   npm run bench:sharding [-- --members 500 --max-replicas 10]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { assignMembers, ownerOf } from '../src/coordination/assign-members.ts';
import { createMemoryCoordination } from '../src/coordination/memory-stores.ts';
import { createCoordinator, type Coordinator } from '../src/daemon/coordinator.ts';
import { createMetrics } from '../src/daemon/metrics.ts';

const { values } = parseArgs({ options: { members: { type: 'string', default: '500' }, 'max-replicas': { type: 'string', default: '10' } } });
const memberCount = Number(values.members);
const maxReplicas = Number(values['max-replicas']);
const members = Array.from({ length: memberCount }, (_, i) => `member-${String(i).padStart(4, '0')}`);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `gitfed-${i}`);
const timing = { durationSeconds: 15, renewIntervalMs: 5_000, retryIntervalMs: 2_000, collectAfterMs: 600_000 };
const logger = pino({ level: 'silent' });

function balance(assignment: Map<string, string[]>): number {
  const sizes = [...assignment.values()].map((owned) => owned.length);
  return Math.max(...sizes) / (members.length / sizes.length);
}

function moved(before: readonly string[], after: readonly string[]): number {
  return members.filter((m) => ownerOf(m, before) !== ownerOf(m, after)).length / members.length;
}

/** N coordinators on one virtual clock; each tick every live one runs follow(members). */
async function simulate(n: number): Promise<{ claimsBalance: number; killSeconds: number; releaseSeconds: number }> {
  if (n < 2) return { claimsBalance: 1, killSeconds: NaN, releaseSeconds: NaN };
  const store = createMemoryCoordination();
  let clock = 1_000_000;
  const live = new Map<string, Coordinator>();
  for (const id of ids(n)) {
    live.set(id, createCoordinator({ instance: 'bench', replicaId: id, ...timing }, { leases: store.leases, statuses: store.statuses(id), metrics: createMetrics(), logger, now: () => clock }));
  }
  const tick = async () => {
    for (const coordinator of live.values()) await coordinator.follow(members);
    clock += timing.retryIntervalMs;
  };
  const writable = async () => {
    const shares = await Promise.all([...live.values()].map((c) => c.follow(members)));
    return shares.flatMap((s) => [...s]);
  };
  const complete = async () => {
    const all = await writable();
    return all.length === members.length && new Set(all).size === members.length;
  };
  for (let i = 0; i < 20 && !(await complete()); i++) await tick();
  const claimsBalance = balance(new Map(await Promise.all([...live].map(async ([id, c]) => [id, [...(await c.follow(members))]] as [string, string[]]))));

  const untilComplete = async (): Promise<number> => {
    const start = clock;
    for (let i = 0; i < 100; i++) {
      await tick();
      const all = await writable();
      if (new Set(all).size !== all.length) throw new Error('two replicas could write one member');
      if (all.length === members.length) return (clock - start) / 1000;
    }
    return NaN;
  };
  live.delete('gitfed-0'); // killed: its Lease stays until it expires
  const killSeconds = await untilComplete();
  const leaving = live.get('gitfed-1')!;
  live.delete('gitfed-1');
  await leaving.release();
  const releaseSeconds = n > 2 ? await untilComplete() : NaN;
  return { claimsBalance, killSeconds, releaseSeconds };
}

const rows: string[][] = [];
for (let n = 1; n <= maxReplicas; n++) {
  const started = performance.now();
  const runs = 20;
  for (let i = 0; i < runs; i++) assignMembers(members, ids(n));
  const assignUs = ((performance.now() - started) / runs) * 1000;
  const join = moved(ids(n), ids(n + 1));
  const leave = n > 1 ? moved(ids(n), ids(n - 1)) : NaN;
  const sim = await simulate(n);
  rows.push([
    String(n),
    balance(assignMembers(members, ids(n))).toFixed(2),
    sim.claimsBalance.toFixed(2),
    `${(join * 100).toFixed(1)}%`,
    `${((1.5 / (n + 1)) * 100).toFixed(1)}%`,
    Number.isNaN(leave) ? '-' : `${(leave * 100).toFixed(1)}%`,
    n > 1 ? `${((1.5 / n) * 100).toFixed(1)}%` : '-',
    Number.isNaN(sim.killSeconds) ? '-' : `${sim.killSeconds.toFixed(0)} s`,
    Number.isNaN(sim.releaseSeconds) ? '-' : `${sim.releaseSeconds.toFixed(0)} s`,
    assignUs.toFixed(0),
  ]);
}

const header = ['replicas', 'balance', 'claims balance', 'join moves', 'join target', 'leave moves', 'leave target', 'kill → complete', 'release → complete', 'assign µs'];
console.log(`sharding: ${memberCount} members, Lease ${timing.durationSeconds} s, renew ${timing.renewIntervalMs / 1000} s, peer reads every ${timing.retryIntervalMs / 1000} s (virtual clock)\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
const failing = rows.filter((row) => row[3] !== '-' && parseFloat(row[3]!) > parseFloat(row[4]!));
if (failing.length > 0) {
  console.error(`join movement above 1.5/N for ${failing.map((row) => row[0]).join(', ')} replicas`);
  process.exitCode = 1;
}
