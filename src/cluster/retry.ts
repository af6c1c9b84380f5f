/**
 * When and how long to retry a request to a member.
 *
 * Retried (up to `maxAttempts` attempts in all, each one sent and counted again):
 * - 429 TooManyRequests: the member (or its priority-and-fairness queue) asked us to slow down;
 * - 5xx except 501 Not Implemented: 500 (etcd timeouts, webhook calls that failed), 502/503/504 from proxies,
 *   aggregated APIs that are briefly unavailable, an apiserver shutting down;
 * - network errors (connection refused or reset, socket closed, DNS): the member may be restarting.
 *
 * Never retried:
 * - every other 4xx, 409 included: for server-side apply a 409 is a field-manager conflict that only `force` (an
 *   explicit policy) resolves, and for merge patch and delete (sent without a resourceVersion precondition) the
 *   apiserver already retries its own optimistic-concurrency conflicts, so a 409 that reaches us is final;
 * - our own per-attempt timeout: a member that did not answer in 30 s is reported, not waited on four times over.
 *
 * Every request gitfed sends is idempotent (apply, merge patch, get, list, delete), so retrying after an error that
 * may have happened after the server acted is safe. A delete retried after its first attempt succeeded sees 404
 * and reports "already gone": the object is gone either way.
 *
 * Delays grow exponentially with "equal jitter" (half fixed, half random, so concurrent clients spread out but
 * always back off), and a `Retry-After` the server sent (header, or `details.retryAfterSeconds` in the Status) is
 * honoured as a floor, capped at `maxRetryAfterMs`.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included; 1 disables retrying. */
  maxAttempts: number;
  /** Backoff ceiling before the first retry; doubles for each further one. */
  baseDelayMs: number;
  /** Upper bound of the exponential part. */
  maxDelayMs: number;
  /** Upper bound for a server-requested Retry-After. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** How one attempt ended, as far as retrying cares. `status` null: no HTTP response. */
export interface AttemptOutcome {
  status: number | null;
  /** Our own deadline fired (as opposed to the connection failing). */
  timedOut?: boolean;
  /** What the server asked for, already converted to ms. */
  retryAfterMs?: number | undefined;
}

export function isRetryable(outcome: AttemptOutcome): boolean {
  const { status } = outcome;
  if (status === null) return !outcome.timedOut;
  if (status === 429) return true;
  return status >= 500 && status !== 501;
}

/**
 * Delay before retry number `retry` (1 = the first retry): the exponential step `min(maxDelay, base·2^(retry-1))`,
 * half of it fixed and half random, never below the server's Retry-After (itself capped).
 */
export function retryDelay(retry: number, policy: RetryPolicy, random: number, retryAfterMs?: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const backoff = step / 2 + (Math.min(Math.max(random, 0), 1) * step) / 2;
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(retryAfterMs, 0), policy.maxRetryAfterMs);
  return Math.round(Math.max(backoff, floor));
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `nowMs` (epoch ms); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; anything else (e.g. "-1", which Date.parse reads as a year) is noise.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Told before each wait, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; outcome: AttemptOutcome }) => void;
}

export type Settled<T> = { value: T } | { error: unknown };

/**
 * Runs `attempt` until `outcomeOf` says the result is not retryable or the attempts are used up; then resolves
 * with the last value or rejects with the last error. `outcomeOf` returns null for results that are final
 * whatever they are (e.g. programming errors).
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  outcomeOf: (settled: Settled<T>) => AttemptOutcome | null,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let n = 1; ; n++) {
    let settled: Settled<T>;
    try {
      settled = { value: await attempt(n) };
    } catch (error) {
      settled = { error };
    }
    const outcome = outcomeOf(settled);
    if (n >= maxAttempts || outcome === null || !isRetryable(outcome)) {
      if ('error' in settled) throw settled.error;
      return settled.value;
    }
    const delayMs = retryDelay(n, policy, deps.random(), outcome.retryAfterMs);
    deps.onRetry?.({ attempt: n, delayMs, outcome });
    await deps.sleep(delayMs);
  }
}
