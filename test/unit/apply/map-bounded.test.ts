import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../../src/apply/map-bounded.ts';

describe('mapBounded', () => {
  it('keeps at most `limit` items in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
  });

  it('starts no item after one failed, and fails with that error', async () => {
    const started: number[] = [];
    const run = mapBounded([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('member away');
      return n;
    });
    await expect(run).rejects.toThrow('member away');
    expect(started).toEqual([1, 2]);
  });

  it('returns an empty list for no items', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
  });
});
