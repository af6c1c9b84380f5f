import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { MemberProgress } from '../../../src/apply/progress.ts';
import { stageProgress } from '../../../src/apply/progress.ts';
import { progressFrame, quietMs, recordProgress, startProgress, summaryLines, type MemberView } from '../../../src/cli/progress-display.ts';

function viewsOf(events: { event: MemberProgress; at: number }[]): Map<string, MemberView> {
  const views = new Map<string, MemberView>();
  for (const { event, at } of events) {
    if (!views.has(event.cluster)) views.set(event.cluster, { last: event, stages: new Map(), started: 0, changed: 0 });
    recordProgress(views, event, at);
  }
  return views;
}

describe('progress lines', () => {
  it('show each member\'s stage and done/total, a wait, a failure, and a member that has gone quiet', () => {
    const views = viewsOf([
      { event: { cluster: 'east', stage: 'write', done: 120, total: 400, state: 'running' }, at: 9_000 },
      { event: { cluster: 'north', stage: 'write', done: 3, total: 5, state: 'waiting', message: 'waiting for 2 CRD(s) to be Established' }, at: 9_500 },
      { event: { cluster: 'west', stage: 'observe', done: 0, total: 0, state: 'failed', message: 'ClusterNotReady: dial tcp: i/o timeout' }, at: 9_800 },
      { event: { cluster: 'south', stage: 'observe', done: 10, total: 400, state: 'running' }, at: 10_000 - quietMs - 2_000 },
    ]);
    expect(progressFrame(views, 10_000).split('\n')).toEqual([
      '  east    write      120/400 objects',
      '… north   write        3/5 objects  waiting: waiting for 2 CRD(s) to be Established',
      '✗ west    observe failed: ClusterNotReady: dial tcp: i/o timeout',
      '  south   observe     10/400 objects  no answer for 5s',
    ]);
    expect(summaryLines(views, 10_000).split('\n')[2]).toBe('✗ west    failed in observe after 9.8s: ClusterNotReady: dial tcp: i/o timeout (observe 0/0)');
  });

  it('are never drawn when stdout or stderr is not a terminal, or with -o json', () => {
    const stream = () => Object.assign(new PassThrough(), { isTTY: true });
    expect(startProgress({ stdout: new PassThrough(), stderr: stream() }, { output: 'text', members: ['a'] })).toBeUndefined();
    expect(startProgress({ stdout: stream(), stderr: new PassThrough() }, { output: 'text', members: ['a'] })).toBeUndefined();
    expect(startProgress({ stdout: stream(), stderr: stream() }, { output: 'json', members: ['a'] })).toBeUndefined();
    const shown = startProgress({ stdout: stream(), stderr: stream() }, { output: 'text', members: ['a'] });
    expect(shown).toBeDefined();
    shown?.finish();
  });

  it('never let a sink that throws reach the engine', () => {
    const seen: MemberProgress[] = [];
    const progress = stageProgress((event) => {
      seen.push(event);
      throw new Error('display broke');
    }, 'east', 'write', 2);
    expect(() => progress.step()).not.toThrow();
    expect(seen.map((event) => `${event.done}/${event.total} ${event.state}`)).toEqual(['0/2 running', '1/2 running']);
    expect(() => stageProgress(undefined, 'east', 'prune', 1).step()).not.toThrow();
  });
});
