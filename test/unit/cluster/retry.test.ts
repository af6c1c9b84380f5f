import { describe, expect, it } from 'vitest';
import {
  defaultRetryPolicy,
  isRetryable,
  parseRetryAfter,
  retryDelay,
  withRetry,
  type AttemptOutcome,
  type RetryPolicy,
} from '../../../src/cluster/retry.ts';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe('isRetryable', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
    [200, false],
  ])('status %i → %s', (status, expected) => {
    expect(isRetryable({ status })).toBe(expected);
  });

  it('retries network errors but not our own timeout', () => {
    expect(isRetryable({ status: null })).toBe(true);
    expect(isRetryable({ status: null, timedOut: true })).toBe(false);
  });
});

describe('retryDelay', () => {
  it('doubles the step for each retry, half fixed and half jitter', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, 1))).toEqual([100, 200, 400, 800]);
    expect(retryDelay(2, policy, 0.5)).toBe(150);
  });

  it('never grows past maxDelayMs', () => {
    expect(retryDelay(10, policy, 1)).toBe(1_000);
    expect(retryDelay(10, policy, 0)).toBe(500);
  });

  it('waits at least what Retry-After asked for, up to maxRetryAfterMs', () => {
    expect(retryDelay(1, policy, 0, 2_000)).toBe(2_000);
    expect(retryDelay(1, policy, 0, 60_000)).toBe(5_000);
    expect(retryDelay(3, policy, 1, 10)).toBe(400);
  });

  it('has sane defaults: four attempts, sub-second first retry', () => {
    expect(defaultRetryPolicy.maxAttempts).toBe(4);
    expect(retryDelay(1, defaultRetryPolicy, 1)).toBeLessThan(1_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('withRetry', () => {
  function harness(replies: (number | Error)[]) {
    const sleeps: number[] = [];
    let attempts = 0;
    const run = () =>
      withRetry(
        async () => {
          const reply = replies[attempts++];
          if (reply instanceof Error) throw reply;
          return { status: reply ?? 200 };
        },
        (settled): AttemptOutcome | null =>
          'value' in settled ? { status: settled.value.status } : settled.error instanceof TypeError ? { status: null } : null,
        policy,
        { sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
      );
    return { run, sleeps, attempts: () => attempts };
  }

  it('retries 503 and 429 until a success', async () => {
    const h = harness([503, 429, 200]);
    await expect(h.run()).resolves.toEqual({ status: 200 });
    expect(h.attempts()).toBe(3);
    expect(h.sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts and returns the last reply', async () => {
    const h = harness([503, 503, 503, 503, 200]);
    await expect(h.run()).resolves.toEqual({ status: 503 });
    expect(h.attempts()).toBe(4);
    expect(h.sleeps).toHaveLength(3);
  });

  it('does not retry a conflict or any other 4xx', async () => {
    for (const status of [409, 404, 422, 403]) {
      const h = harness([status, 200]);
      await expect(h.run()).resolves.toEqual({ status });
      expect(h.attempts()).toBe(1);
    }
  });

  it('retries network errors and rethrows the last one', async () => {
    const h = harness([new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('last')]);
    await expect(h.run()).rejects.toThrow('last');
    expect(h.attempts()).toBe(4);
  });

  it('rethrows at once what the classifier calls final', async () => {
    const h = harness([new RangeError('bug'), 200]);
    await expect(h.run()).rejects.toThrow('bug');
    expect(h.attempts()).toBe(1);
  });
});
