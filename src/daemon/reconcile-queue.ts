/**
 * One reconcile at a time. Triggers that arrive while one runs are coalesced into a single next run that
 * carries all their reasons, so a burst of webhooks costs one reconcile, not a queue of them.
 */

/**
 * `coordination`: with replicas sharing members, this one gained members or leadership, or a peer's status moved.
 * `multicluster-services`: the exported services the report shows changed (--multicluster-services).
 */
export type TriggerReason = 'startup' | 'interval' | 'webhook' | 'drift' | 'cluster-health' | 'file-change' | 'coordination' | 'multicluster-services';

export interface ReconcileQueue {
  trigger(reason: TriggerReason): void;
  /** Resolves when nothing runs and nothing is pending. */
  idle(): Promise<void>;
  /** Finishes the run in progress (never cuts it short), drops pending triggers, then resolves. */
  stop(): Promise<void>;
}

/**
 * `run` turns every failure it knows into an outcome; whatever still escapes it (a bug) reaches `escaped`,
 * which must log, count and report it — the queue itself only keeps going.
 */
export function createReconcileQueue(
  run: (reasons: ReadonlySet<TriggerReason>) => Promise<void>,
  escaped: (err: unknown, reasons: ReadonlySet<TriggerReason>) => void,
): ReconcileQueue {
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
      .catch((err: unknown) => escaped(err, reasons))
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
