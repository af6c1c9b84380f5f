/**
 * Live progress of `apply`, `status` and `plan --live` on a terminal: one line per member (stage, objects done of
 * total, waiting or failed as it happens), redrawn in place on stderr with log-update, at most every
 * {@link redrawMs} (a frame taller than the terminal shows its last lines); at the end the frame is replaced by
 * one summary line per member, written as plain lines that stay in the scrollback.
 *
 * Where it goes: stderr, so stdout holds the command's result and nothing else (it can be piped or saved). When
 * it shows: only when stdout and stderr are both terminals and the output is not `-o json`; otherwise
 * {@link startProgress} returns no display and the engine gets no sink at all.
 *
 * A member that has sent nothing for {@link quietMs} while running shows `no answer for Ns`: a hung member is
 * visible while its request waits for its deadline.
 */
import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import type { MemberProgress, ProgressSink, ProgressStage } from '../apply/progress.ts';

export const redrawMs = 100;
export const quietMs = 3_000;

export interface ProgressDisplay {
  sink: ProgressSink;
  /** Stops redrawing and leaves one summary line per member. */
  finish(): void;
}

export interface MemberView {
  last: MemberProgress;
  /** Per stage seen: the last done/total. */
  stages: Map<ProgressStage, { done: number; total: number }>;
  started: number;
  changed: number;
  ended?: number;
}

export function startProgress(
  io: { stdout: Writable; stderr: Writable },
  options: { output: string; members: readonly string[]; now?: () => number },
): ProgressDisplay | undefined {
  const isTerminal = (stream: Writable) => (stream as Writable & { isTTY?: boolean }).isTTY === true;
  if (options.output === 'json' || !isTerminal(io.stdout) || !isTerminal(io.stderr)) return undefined;
  const now = options.now ?? (() => performance.now());
  // A pseudo-terminal without a size (script(1), `docker -t` in CI) says 0 rows, which log-update takes for
  // "draw nothing": it gets the usual 24 × 80 instead.
  const stderr = io.stderr as Writable & { rows?: number; columns?: number };
  const draw = createLogUpdate({
    isTTY: true,
    write: (text: string) => stderr.write(text),
    get rows() {
      return stderr.rows || 24;
    },
    get columns() {
      return stderr.columns || 80;
    },
  } as unknown as NodeJS.WriteStream);
  const views = new Map<string, MemberView>();
  for (const cluster of [...options.members].sort()) {
    const started = now();
    views.set(cluster, { last: { cluster, stage: 'observe', done: 0, total: 0, state: 'running' }, stages: new Map(), started, changed: started });
  }
  let dirty = true;
  const timer = setInterval(() => {
    // Redraw when something changed, and every second anyway so quiet members show their silence.
    if (dirty || Math.floor(now() / 1000) !== Math.floor((now() - redrawMs) / 1000)) draw(progressFrame(views, now()));
    dirty = false;
  }, redrawMs);
  timer.unref();
  return {
    sink(event) {
      recordProgress(views, event, now());
      dirty = true;
    },
    finish() {
      clearInterval(timer);
      // The summary is plain lines, never clipped to the terminal's height like a frame.
      draw.clear();
      draw.done();
      stderr.write(`${summaryLines(views, now())}\n`);
    },
  };
}

/** Keeps a member's last event, and per stage its last done/total (a stage's closing event says 0/0). */
export function recordProgress(views: Map<string, MemberView>, event: MemberProgress, at: number): void {
  const view: MemberView = views.get(event.cluster) ?? { last: event, stages: new Map(), started: at, changed: at };
  view.last = event;
  view.changed = at;
  if (event.total > 0 || !view.stages.has(event.stage)) view.stages.set(event.stage, { done: event.done, total: event.total });
  if (event.state === 'finished' || event.state === 'failed') view.ended ??= at;
  views.set(event.cluster, view);
}

/** The live frame: one line per member. */
export function progressFrame(views: ReadonlyMap<string, MemberView>, now: number): string {
  const width = Math.max(...[...views.keys()].map((name) => name.length), 6);
  return [...views.values()]
    .map((view) => {
      const { last } = view;
      const name = last.cluster.padEnd(width);
      const stage = stageOf(view);
      const count = stage ? `${String(stage.done).padStart(6)}/${stage.total} objects` : '';
      if (last.state === 'failed') return `✗ ${name}  ${last.stage.padEnd(7)} failed: ${last.message ?? ''}`;
      if (last.state === 'finished') return `✓ ${name}  done`;
      if (last.state === 'waiting') return `… ${name}  ${last.stage.padEnd(7)} ${count}  waiting: ${last.message ?? ''}`;
      const quiet = now - view.changed >= quietMs ? `  no answer for ${Math.floor((now - view.changed) / 1000)}s` : '';
      const note = last.message ? `  (${last.message})` : '';
      return `  ${name}  ${last.stage.padEnd(7)} ${count}${note}${quiet}`;
    })
    .join('\n');
}

/** One line per member at the end: how it ended, each stage's objects, how long it took. */
export function summaryLines(views: ReadonlyMap<string, MemberView>, now: number): string {
  const width = Math.max(...[...views.keys()].map((name) => name.length), 6);
  return [...views.values()]
    .map((view) => {
      const seconds = (((view.ended ?? now) - view.started) / 1000).toFixed(1);
      const stages = [...view.stages].map(([stage, { done, total }]) => `${stage} ${done}/${total}`).join(' · ');
      const name = view.last.cluster.padEnd(width);
      if (view.last.state === 'failed') return `✗ ${name}  failed in ${view.last.stage} after ${seconds}s: ${view.last.message ?? ''}${stages ? ` (${stages})` : ''}`;
      return `✓ ${name}  done in ${seconds}s${stages ? `: ${stages}` : ''}`;
    })
    .join('\n');
}

function stageOf(view: MemberView): { done: number; total: number } | undefined {
  return view.stages.get(view.last.stage);
}
