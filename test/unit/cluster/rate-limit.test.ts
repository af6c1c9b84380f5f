import { describe, expect, it } from 'vitest';
import { createRateLimiter, createTokenBucket } from '../../../src/cluster/rate-limit.ts';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('token bucket', () => {
  it('lets a burst through, then spaces requests at the rate', () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ qps: 10, burst: 3 }, clock.now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(100);
    expect(bucket.reserve()).toBe(200);
    expect(bucket.available()).toBe(-2);
  });

  it('refills with time, never above the burst', () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ qps: 10, burst: 3 }, clock.now);
    for (let i = 0; i < 3; i++) bucket.reserve();
    clock.advance(150);
    expect(bucket.available()).toBeCloseTo(1.5);
    clock.advance(10_000);
    expect(bucket.available()).toBe(3);
  });

  it('is off when qps is Infinity', () => {
    const bucket = createTokenBucket({ qps: Infinity, burst: 1 }, () => 0);
    for (let i = 0; i < 100; i++) expect(bucket.reserve()).toBe(0);
  });

  it('rejects nonsense settings', () => {
    expect(() => createTokenBucket({ qps: 0, burst: 1 }, () => 0)).toThrow(RangeError);
    expect(() => createTokenBucket({ qps: 1, burst: 0 }, () => 0)).toThrow(RangeError);
    expect(() => createRateLimiter({ maxConcurrent: 0, qps: 1, burst: 1 })).toThrow(RangeError);
  });
});

describe('rate limiter', () => {
  it('never runs more than maxConcurrent tasks at once and starts them in arrival order', async () => {
    const limiter = createRateLimiter({ maxConcurrent: 3, qps: Infinity, burst: 1 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.stats()).toEqual({ active: 3, queued: 7 });
    while (gates.length > 0 || started.length < 10) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('frees the slot when a task fails', async () => {
    const limiter = createRateLimiter({ maxConcurrent: 1, qps: Infinity, burst: 1 });
    await expect(limiter.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('waits for a token once the burst is spent', async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const limiter = createRateLimiter(
      { maxConcurrent: 10, qps: 5, burst: 2 },
      { now: clock.now, sleep: async (ms) => { sleeps.push(ms); clock.advance(ms); } },
    );
    for (let i = 0; i < 5; i++) await limiter.run(async () => i);
    // Two banked tokens, then one every 200 ms; each wait starts from the clock the previous one advanced.
    expect(sleeps).toEqual([200, 200, 200]);
  });
});
