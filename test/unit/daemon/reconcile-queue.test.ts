import { describe, expect, it } from 'vitest';
import { createReconcileQueue, type TriggerReason } from '../../../src/daemon/reconcile-queue.ts';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

const unexpected = (err: unknown): never => {
  throw new Error(`no failure should escape here: ${String(err)}`);
};

describe('reconcile queue', () => {
  it('runs one reconcile at a time and coalesces triggers that arrive meanwhile into one run', async () => {
    const runs: TriggerReason[][] = [];
    const gates = [deferred(), deferred()];
    let active = 0;
    let maxActive = 0;
    const queue = createReconcileQueue(async (reasons) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push([...reasons].sort());
      await gates[runs.length - 1]?.promise;
      active--;
    }, unexpected);
    queue.trigger('startup');
    queue.trigger('webhook');
    queue.trigger('interval');
    queue.trigger('webhook');
    gates[0]?.release();
    gates[1]?.release();
    await queue.idle();
    expect(runs).toEqual([['startup'], ['interval', 'webhook']]);
    expect(maxActive).toBe(1);
  });

  it('hands a failure that escapes a reconcile to its handler, with the reasons, and keeps going', async () => {
    let calls = 0;
    const escaped: { message: string; reasons: TriggerReason[] }[] = [];
    const queue = createReconcileQueue(
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      (err, reasons) => escaped.push({ message: (err as Error).message, reasons: [...reasons] }),
    );
    queue.trigger('startup');
    await queue.idle();
    queue.trigger('interval');
    await queue.idle();
    expect(calls).toBe(2);
    expect(escaped).toEqual([{ message: 'boom', reasons: ['startup'] }]);
  });

  it('finishes the reconcile in progress on stop and drops what is pending', async () => {
    const gate = deferred();
    let finished = 0;
    let started = 0;
    const queue = createReconcileQueue(async () => {
      started++;
      await gate.promise;
      finished++;
    }, unexpected);
    queue.trigger('startup');
    queue.trigger('drift');
    const stopping = queue.stop();
    gate.release();
    await stopping;
    queue.trigger('webhook');
    await queue.idle();
    expect({ started, finished }).toEqual({ started: 1, finished: 1 });
  });
});
