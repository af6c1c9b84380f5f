import { describe, expect, it } from 'vitest';
import { createFairLimiter, createFleetLimits, createInFlightGauge } from '../../../src/cluster/fleet-limits.ts';

/** Tasks that stay in flight until the test opens their gate, recording the order in which they started. */
function gatedTasks() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let running = 0;
  let peak = 0;
  const task = (label: string) => () =>
    new Promise<string>((resolve) => {
      started.push(label);
      running++;
      peak = Math.max(peak, running);
      gates.set(label, () => {
        running--;
        resolve(label);
      });
    });
  const open = async (label: string) => {
    const gate = gates.get(label);
    if (!gate) throw new Error(`${label} has not started`);
    gates.delete(label);
    gate();
    await flush();
  };
  return { started, task, open, running: () => running, peak: () => peak, inFlight: () => [...gates.keys()] };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('fair limiter', () => {
  it('never has more than maxInFlight tasks running across members', async () => {
    const limiter = createFairLimiter({ maxInFlight: 4, maxPerMember: 4 });
    const t = gatedTasks();
    const all = ['a', 'b', 'c'].flatMap((m) => Array.from({ length: 5 }, (_, i) => limiter.run(m, t.task(`${m}${i}`))));
    await flush();
    expect(t.running()).toBe(4);
    expect(limiter.stats()).toEqual({ active: 4, queued: 11 });
    while (t.inFlight().length > 0) await t.open(t.inFlight()[0]!);
    expect((await Promise.all(all)).length).toBe(15);
    expect(t.peak()).toBe(4);
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('hands freed slots to the waiting members in turn, each member in arrival order', async () => {
    const limiter = createFairLimiter({ maxInFlight: 1, maxPerMember: 1 });
    const t = gatedTasks();
    // a arrives first with a long queue; b and c arrive later with one or two requests each.
    const runs = [
      ...Array.from({ length: 4 }, (_, i) => limiter.run('a', t.task(`a${i}`))),
      limiter.run('b', t.task('b0')),
      limiter.run('b', t.task('b1')),
      limiter.run('c', t.task('c0')),
    ];
    await flush();
    while (t.inFlight().length > 0) await t.open(t.inFlight()[0]!);
    await Promise.all(runs);
    expect(t.started).toEqual(['a0', 'a1', 'b0', 'c0', 'a2', 'b1', 'a3']);
  });

  it('keeps a member whose requests hang to its share, so the others go on at the rest of the fleet', async () => {
    const limiter = createFairLimiter({ maxInFlight: 6, maxPerMember: 16 });
    const t = gatedTasks();
    // The hung member asks first and for more than the whole fleet; its requests never end in this test.
    void Array.from({ length: 20 }, (_, i) => limiter.run('hung', t.task(`hung${i}`)));
    const others = Array.from({ length: 30 }, (_, i) => limiter.run(`m${i % 3}`, t.task(`m${i % 3}-${i}`)));
    await flush();
    // At most half the fleet (3 of 6) goes to one member; the other 3 slots keep serving the healthy members.
    expect(t.inFlight().filter((label) => label.startsWith('hung')).length).toBe(3);
    let finished = 0;
    while (finished < 30) {
      const healthy = t.inFlight().find((label) => !label.startsWith('hung'));
      if (!healthy) throw new Error(`the healthy members stalled after ${finished} requests: in flight ${t.inFlight().join(', ')}`);
      await t.open(healthy);
      finished++;
    }
    expect((await Promise.all(others)).length).toBe(30);
    expect(t.peak()).toBeLessThanOrEqual(6);
  });

  it('keeps each member to maxPerMember even when the fleet has room', async () => {
    const limiter = createFairLimiter({ maxInFlight: 10, maxPerMember: 2 });
    const t = gatedTasks();
    void Array.from({ length: 5 }, (_, i) => limiter.run('a', t.task(`a${i}`)));
    await flush();
    expect(t.inFlight()).toEqual(['a0', 'a1']);
    expect(limiter.stats()).toEqual({ active: 2, queued: 3 });
    await t.open('a0');
    expect(t.inFlight()).toEqual(['a1', 'a2']);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = createFairLimiter({ maxInFlight: 1, maxPerMember: 1 });
    await expect(limiter.run('a', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(limiter.run('b', () => Promise.resolve('next'))).resolves.toBe('next');
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('rejects nonsense bounds', () => {
    expect(() => createFairLimiter({ maxInFlight: 0, maxPerMember: 1 })).toThrow(RangeError);
    expect(() => createFairLimiter({ maxInFlight: 2, maxPerMember: 1.5 })).toThrow(RangeError);
    expect(() => createFleetLimits({ maxInFlight: -1 })).toThrow(RangeError);
  });
});

describe('in-flight gauge', () => {
  it('counts requests on the wire per member and in all, with high-water marks that can start again', () => {
    const gauge = createInFlightGauge();
    gauge.enter('a');
    gauge.enter('a');
    gauge.enter('b');
    gauge.leave('a');
    expect(gauge.total()).toEqual({ now: 2, peak: 3 });
    expect(Object.fromEntries(gauge.byMember())).toEqual({ a: { now: 1, peak: 2 }, b: { now: 1, peak: 1 } });
    gauge.resetPeaks();
    expect(gauge.total()).toEqual({ now: 2, peak: 2 });
    expect(gauge.byMember().get('a')).toEqual({ now: 1, peak: 1 });
  });
});
