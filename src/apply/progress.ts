/**
 * Progress of long work per member, for a person to follow (the CLI draws it; nothing here knows a terminal).
 * The engine (observe, write, prune, health read-back) calls an optional sink passed in its options; without one
 * every call is a no-op. A sink that throws is ignored: following the work never changes it.
 *
 * Each event is the member's whole state now, so a consumer keeps the last one per member:
 * - `stage`: observe (lists, then the dry-runs decide asks for), write, prune, health (read-back);
 * - `done`/`total`: objects of that stage finished and to do;
 * - `state`: running; waiting (on the member: CRDs to be Established …); failed (the member stopped, `message`
 *   says why, with its stage reason); finished (nothing more for it in this command).
 */
export type ProgressStage = 'observe' | 'write' | 'prune' | 'health';

export interface MemberProgress {
  cluster: string;
  stage: ProgressStage;
  done: number;
  total: number;
  state: 'running' | 'waiting' | 'failed' | 'finished';
  message?: string;
}

export type ProgressSink = (event: MemberProgress) => void;

/** One member's stage: counts steps and reports each; safe to call when no sink is given. */
export interface StageProgress {
  step(count?: number): void;
  waiting(message: string): void;
  /** Back to running after a wait. */
  resume(): void;
}

export function stageProgress(sink: ProgressSink | undefined, cluster: string, stage: ProgressStage, total: number, message?: string): StageProgress {
  let done = 0;
  const send = (state: MemberProgress['state'], text?: string) =>
    report(sink, { cluster, stage, done, total, state, ...(text !== undefined ? { message: text } : {}) });
  send('running', message);
  return {
    step(count = 1) {
      done = Math.min(total, done + count);
      send('running', message);
    },
    waiting: (text) => send('waiting', text),
    resume: () => send('running', message),
  };
}

/** Sends one event; a sink that throws is ignored. */
export function report(sink: ProgressSink | undefined, event: MemberProgress): void {
  if (!sink) return;
  try {
    sink(event);
  } catch {
    // Following the work must never change it.
  }
}
