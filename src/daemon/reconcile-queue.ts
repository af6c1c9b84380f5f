/**
 * One reconcile at a time. Triggers that arrive while one runs are coalesced into a single next run that
 * carries all their reasons, so a burst of webhooks costs one reconcile, not a queue of them.
 */

export type TriggerReason = 'startup' | 'interval' | 'webhook' | 'drift' | 'cluster-health' | 'file-change';

export interface ReconcileQueue {
  trigger(reason: TriggerReason): void;
  /** Resolves when nothing runs and nothing is pending. */
  idle(): Promise<void>;
  /** Finishes the run in progress (never cuts it short), drops pending triggers, then resolves. */
  stop(): Promise<void>;
}

export function createReconcileQueue(run: (reasons: ReadonlySet<TriggerReason>) => Promise<void>): ReconcileQueue {
  let pending = new Set<TriggerReason>();
  let running: Promise<void> | null = null;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const pump = (): void => {
    if (running || stopped || pending.size === 0) {
      if (!running && (pending.size === 0 || stopped)) for (const resolve of idleWaiters.splice(0)) resolve();
      return;
    }
    const reasons = pending;
    pending = new Set();
    running = run(reasons)
      .catch(() => undefined) // run() reports its own failures; the queue only keeps going
      .finally(() => {
        running = null;
        pump();
      });
  };

  return {
    trigger(reason) {
      if (stopped) return;
      pending.add(reason);
      pump();
    },
    idle() {
      if (!running && pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      pending.clear();
      await running;
      for (const resolve of idleWaiters.splice(0)) resolve();
      idleWaiters = [];
    },
  };
}
