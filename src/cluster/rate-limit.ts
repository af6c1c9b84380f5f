/**
 * Per-member request limits: a concurrency bound (at most `maxConcurrent` requests in flight, FIFO) and a token
 * bucket (`qps` tokens a second, up to `burst` banked). A request first waits for a slot, then for a token; the
 * slot is held until its response has been read. Retries take a slot and a token again, so a struggling member
 * sees no more traffic than a healthy one. The clock is injected so the bookkeeping is testable without waiting.
 */

export interface RateLimitOptions {
  /** Requests in flight at once; at least 1. */
  maxConcurrent: number;
  /** Sustained requests per second; `Infinity` turns the token bucket off. */
  qps: number;
  /** Tokens that can be banked while idle, i.e. how many requests may go at once after a quiet spell; at least 1. */
  burst: number;
}

/**
 * Defaults sized for a first apply of tens of thousands of objects per member: well above client-go's controller
 * defaults (Flux: 50 qps, burst 300), because the concurrency bound already caps the load a member sees, a
 * member's own API Priority and Fairness answers 429 with Retry-After when it is busy, and retry.ts honours that;
 * the token bucket only keeps one gitfed from monopolising a member. At 200 qps one member's 20,000 writes took
 * 104 s where the lab's CPU allowed 80 s; at 400, 64 s (bench:fleet medians, docs/deploy.md "Sizing").
 */
export const defaultRateLimit: RateLimitOptions = { maxConcurrent: 16, ...memberRate(400) };

/** A member's token bucket for `qps` requests a second: bursts of twice as many after a quiet spell. */
export function memberRate(qps: number): Pick<RateLimitOptions, 'qps' | 'burst'> {
  return { qps, burst: 2 * qps };
}

export interface TokenBucket {
  /**
   * Takes one token and returns how many ms the caller must wait before using it (0 when one was banked). Tokens
   * may be taken ahead of time (the balance goes negative), so callers queue in arrival order without polling.
   */
  reserve(): number;
  /** Tokens banked now (negative when reservations run ahead of the refill). */
  available(): number;
}

export function createTokenBucket(options: { qps: number; burst: number }, now: () => number): TokenBucket {
  const { qps, burst } = options;
  if (!(qps > 0)) throw new RangeError(`qps must be positive, not ${qps}`);
  if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, not ${burst}`);
  let tokens = burst;
  let last = now();
  const refill = () => {
    const t = now();
    if (t > last) {
      tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
      last = t;
    }
  };
  return {
    reserve() {
      if (qps === Infinity) return 0;
      refill();
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / qps);
    },
    available() {
      if (qps === Infinity) return burst;
      refill();
      return tokens;
    },
  };
}

export interface RateLimiterStats {
  /** Requests holding a slot. */
  active: number;
  /** Requests waiting for a slot. */
  queued: number;
}

export interface RateLimiter {
  /** Runs `task` once a slot and a token are free; the slot is released when the task settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  stats(): RateLimiterStats;
}

export interface RateLimiterDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createRateLimiter(options: RateLimitOptions, deps: RateLimiterDeps = {}): RateLimiter {
  const { maxConcurrent } = options;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrent must be a whole number of at least 1, not ${maxConcurrent}`);
  }
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? defaultSleep;
  const bucket = createTokenBucket(options, now);
  const waiting: (() => void)[] = [];
  let active = 0;

  const acquire = (): Promise<void> => {
    if (active < maxConcurrent) {
      active++;
      return Promise.resolve();
    }
    // The releasing task hands its slot straight to the next waiter, so `active` never dips and overshoots.
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        const wait = bucket.reserve();
        if (wait > 0) await sleep(wait);
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ active, queued: waiting.length }),
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
