/**
 * Runs `work` over the items with at most `limit` of them started and unfinished at once, results in input order;
 * the first `work` that throws ends it (items not yet started never start) and its error is the result.
 * Apply hands a member's writes to this rather than starting them all: the client's limiter would queue them
 * anyway, but a request already queued cannot look again at whether the member went away meanwhile, so a member
 * that stops answering would cost every queued request a full timeout. Here each item starts only when a slot
 * frees, and `work` checks first.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (err) {
        next = items.length; // the first failure ends the run: no item starts after it
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** Writes in flight per member: twice the client's own bound, so its queue never runs dry. */
export const writesInFlight = 32;
