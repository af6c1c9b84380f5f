import { describe, expect, it } from 'vitest';
import {
  initialReadiness, nextReadiness, probeIntervalMs, probeTimeoutMs,
  type ClusterProbe, type ClusterReadiness,
} from '../../../src/health/cluster-readiness.ts';

const ok: ClusterProbe = { ok: true, reachable: true };
const notOk: ClusterProbe = { ok: false, reachable: true };
const unreachable: ClusterProbe = { ok: false, reachable: false, message: 'dial tcp 10.0.0.5:6443: i/o timeout' };

/** Probe times 10 s apart from 10:00:00, like the daemon's probe loop. */
const at = (step: number) => new Date(Date.UTC(2025, 2, 1, 10, 0, step * 10)).toISOString();

/** Runs the probes in order from the start state; returns every state after each probe. */
function run(probes: ClusterProbe[], start: ClusterReadiness = initialReadiness(at(0))): ClusterReadiness[] {
  const states: ClusterReadiness[] = [];
  let state = start;
  probes.forEach((probe, index) => {
    state = nextReadiness(state, probe, at(index + 1));
    states.push(state);
  });
  return states;
}

const readyState = (): ClusterReadiness => run([ok]).at(-1)!;

describe('cluster readiness (spec §5.4, decision 13)', () => {
  it('probes every 10 s with a 3 s timeout', () => {
    expect(probeIntervalMs).toBe(10_000);
    expect(probeTimeoutMs).toBe(3_000);
  });

  it('starts not ready until a probe succeeds', () => {
    expect(initialReadiness(at(0))).toEqual({
      ready: false, reason: 'ClusterNotReady', message: 'cluster has not been probed yet',
      consecutiveFailures: 0, consecutiveSuccesses: 0, lastProbeTime: at(0), lastTransitionTime: at(0),
    });
  });

  it('becomes ready after one success', () => {
    expect(readyState()).toEqual({
      ready: true, reason: 'ClusterReady', message: '/healthz responded with ok',
      consecutiveFailures: 0, consecutiveSuccesses: 1, lastProbeTime: at(1), lastTransitionTime: at(1),
    });
  });

  it('goes not ready only after three failures in a row', () => {
    const states = run([ok, notOk, notOk, notOk]);
    expect(states.map((state) => state.ready)).toEqual([true, true, true, false]);
    expect(states[3]).toEqual({
      ready: false, reason: 'ClusterNotReady', message: '/healthz responded without ok',
      consecutiveFailures: 3, consecutiveSuccesses: 0, lastProbeTime: at(4), lastTransitionTime: at(4),
    });
  });

  it('stays ready after two failures and a success', () => {
    const states = run([ok, notOk, unreachable, ok, notOk, notOk]);
    expect(states.map((state) => state.ready)).toEqual([true, true, true, true, true, true]);
    expect(states[3]).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 1 });
  });

  it('keeps the published result while failures are below the threshold, moving only probe time and counters', () => {
    const [ready, once, twice] = run([ok, unreachable, unreachable]);
    expect(twice).toEqual({ ...ready, consecutiveSuccesses: 0, consecutiveFailures: 2, lastProbeTime: at(3) });
    expect(once?.lastProbeTime).toBe(at(2));
  });

  it('comes back after one success', () => {
    const states = run([ok, notOk, notOk, notOk, ok]);
    expect(states[4]).toMatchObject({ ready: true, reason: 'ClusterReady', lastTransitionTime: at(5) });
  });

  it('preserves lastTransitionTime while readiness does not change', () => {
    const states = run([ok, ok, notOk, ok, ok]);
    for (const state of states) expect(state.lastTransitionTime).toBe(at(1));
    expect(states.at(-1)).toMatchObject({ lastProbeTime: at(5), consecutiveSuccesses: 2 });
  });

  it('reports an unreachable member as ClusterNotReachable with the probe error', () => {
    const [state] = run([unreachable]);
    expect(state).toMatchObject({
      ready: false, reason: 'ClusterNotReachable',
      message: 'cluster is not reachable: dial tcp 10.0.0.5:6443: i/o timeout',
      lastTransitionTime: at(0),
    });
  });

  it('refreshes the reason of a not-ready member without moving lastTransitionTime', () => {
    const states = run([ok, unreachable, unreachable, unreachable, notOk]);
    expect(states[3]).toMatchObject({ reason: 'ClusterNotReachable', lastTransitionTime: at(4) });
    expect(states[4]).toMatchObject({ ready: false, reason: 'ClusterNotReady', lastTransitionTime: at(4) });
  });

  it('treats an unreachable probe as a failure even if it claims ok', () => {
    const [state] = run([{ ok: true, reachable: false }]);
    expect(state).toMatchObject({ ready: false, reason: 'ClusterNotReachable', consecutiveFailures: 1 });
  });

  it('honours other thresholds', () => {
    const thresholds = { failureThreshold: 1, successThreshold: 2 };
    let state = initialReadiness(at(0));
    state = nextReadiness(state, ok, at(1), thresholds);
    expect(state.ready).toBe(false);
    state = nextReadiness(state, ok, at(2), thresholds);
    expect(state).toMatchObject({ ready: true, lastTransitionTime: at(2) });
    state = nextReadiness(state, notOk, at(3), thresholds);
    expect(state).toMatchObject({ ready: false, lastTransitionTime: at(3) });
  });

  it('treats thresholds below 1 as 1', () => {
    const state = nextReadiness(readyState(), notOk, at(2), { failureThreshold: 0, successThreshold: 0 });
    expect(state.ready).toBe(false);
  });

  it('does not change the previous state', () => {
    const previous = readyState();
    const copy = structuredClone(previous);
    nextReadiness(previous, notOk, at(2));
    expect(previous).toEqual(copy);
  });
});
