/**
 * One bound on requests in flight across every member of a process, shared by all members' clients, served
 * fairly: each member has its own FIFO queue and a freed slot goes to the next member in turn (round-robin over
 * the members that are waiting), so a member with thousands of queued writes never starves one with a handful of
 * reads. No member holds more than its share of the slots (`maxPerMember`, and never more than half of them), so a member that hangs with requests in flight still leaves the others most of the fleet
 * until its requests reach their deadlines. The per-member bound and token bucket stay in rate-limit.ts; a
 * request takes its member's slot first, then a fleet slot, so a member waiting on its own bound holds no slot
 * of the fleet. The gauge counts requests actually sent and not yet answered, per member and in all, with
 * high-water marks: what tests and the metrics read.
 */

import { defaultRateLimit } from './rate-limit.ts';

export interface FleetLimitOptions {
  /** Requests in flight across every member at once; at least 1. */
  maxInFlight: number;
  /** Requests in flight per member (the member's own bound, rate-limit.ts); at least 1. */
  memberInFlight: number;
  /** Requests a second per member (its token bucket, rate-limit.ts), with a burst of twice as many. */
  memberQps: number;
}

/** Sized for a 2-core client and members that answer a write in a few ms; see docs/deploy.md, "Sizing". */
export const defaultFleetLimits: FleetLimitOptions = { maxInFlight: 64, memberInFlight: 16, memberQps: defaultRateLimit.qps };

export interface FairLimiterStats {
  /** Fleet slots held. */
  active: number;
  /** Requests waiting for a fleet slot. */
  queued: number;
}

export interface FairLimiter {
  /** Runs `task` once the member may take a fleet slot and its turn has come; the slot is freed when it settles. */
  run<T>(member: string, task: () => Promise<T>): Promise<T>;
  stats(): FairLimiterStats;
}

export function createFairLimiter(options: { maxInFlight: number; maxPerMember: number }): FairLimiter {
  const { maxInFlight } = options;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a whole number of at least 1, not ${maxInFlight}`);
  if (!Number.isInteger(options.maxPerMember) || options.maxPerMember < 1) throw new RangeError(`maxPerMember must be a whole number of at least 1, not ${options.maxPerMember}`);
  const queues = new Map<string, (() => void)[]>();
  const held = new Map<string, number>();
  /** Members with someone waiting, in the order they take turns. */
  const ring: string[] = [];
  let cursor = 0;
  let active = 0;
  let queued = 0;

  // One member keeps at most half the fleet, so a hung one cannot take it all.
  const share = Math.min(options.maxPerMember, Math.ceil(maxInFlight / 2));
  const mayTake = (member: string) => active < maxInFlight && (held.get(member) ?? 0) < share;
  const take = (member: string) => {
    active++;
    held.set(member, (held.get(member) ?? 0) + 1);
  };
  /** Hands free slots to waiting members in turn, skipping members at their share. */
  const dispatch = () => {
    let skipped = 0;
    while (active < maxInFlight && ring.length > 0 && skipped < ring.length) {
      cursor %= ring.length;
      const member = ring[cursor]!;
      if (!mayTake(member)) {
        cursor++;
        skipped++;
        continue;
      }
      skipped = 0;
      const queue = queues.get(member)!;
      const next = queue.shift()!;
      queued--;
      take(member);
      if (queue.length === 0) {
        queues.delete(member);
        ring.splice(cursor, 1); // the cursor now points at the member after it
      } else cursor++;
      next();
    }
  };
  const release = (member: string) => {
    active--;
    const left = (held.get(member) ?? 1) - 1;
    if (left === 0) held.delete(member);
    else held.set(member, left);
    dispatch();
  };
  const acquire = (member: string): Promise<void> => {
    if (ring.length === 0 && mayTake(member)) {
      take(member);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let queue = queues.get(member);
      if (!queue) {
        queue = [];
        queues.set(member, queue);
        ring.push(member);
      }
      queue.push(resolve);
      queued++;
      dispatch();
    });
  };

  return {
    async run<T>(member: string, task: () => Promise<T>): Promise<T> {
      await acquire(member);
      try {
        return await task();
      } finally {
        release(member);
      }
    },
    stats: () => ({ active, queued }),
  };
}

export interface InFlightCount {
  /** Requests sent and not yet answered. */
  now: number;
  /** The most there were at once since the gauge was made (or last reset). */
  peak: number;
}

/** Requests on the wire, counted where the client sends them (not where the limiter admits them). */
export interface InFlightGauge {
  enter(member: string): void;
  leave(member: string): void;
  total(): InFlightCount;
  byMember(): Map<string, InFlightCount>;
  /** Starts the high-water marks again from what is in flight now (a benchmark between phases). */
  resetPeaks(): void;
}

export function createInFlightGauge(): InFlightGauge {
  const total: InFlightCount = { now: 0, peak: 0 };
  const members = new Map<string, InFlightCount>();
  return {
    enter(member) {
      const count = members.get(member) ?? { now: 0, peak: 0 };
      members.set(member, count);
      count.now++;
      count.peak = Math.max(count.peak, count.now);
      total.now++;
      total.peak = Math.max(total.peak, total.now);
    },
    leave(member) {
      const count = members.get(member);
      if (count) count.now--;
      total.now--;
    },
    total: () => ({ ...total }),
    byMember: () => new Map([...members].map(([member, count]) => [member, { ...count }])),
    resetPeaks() {
      total.peak = total.now;
      for (const count of members.values()) count.peak = count.now;
    },
  };
}

/** What every member client of one process shares: the fair limiter, the gauge, the per-member bound. */
export interface FleetLimits {
  readonly limiter: FairLimiter;
  readonly gauge: InFlightGauge;
  readonly options: FleetLimitOptions;
}

export function createFleetLimits(options: Partial<FleetLimitOptions> = {}): FleetLimits {
  const resolved = { ...defaultFleetLimits, ...options };
  return {
    limiter: createFairLimiter({ maxInFlight: resolved.maxInFlight, maxPerMember: resolved.memberInFlight }),
    gauge: createInFlightGauge(),
    options: resolved,
  };
}
