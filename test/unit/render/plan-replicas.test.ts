import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterPreference } from '../../../src/model/types.ts';
import { FNV1_32_OFFSET_BASIS, fnv1Hash32 } from '../../../src/render/fnv1.ts';
import {
  defaultClusterPreferences,
  planReplicas,
  schedulingResult,
  type PlanInputs,
  type ReplicaPreferences,
} from '../../../src/render/plan-replicas.ts';

/** KubeFed's planner_test.go cases, transcribed in the shared spec folder (spec gitfed decision 8). */
const examplesPath = fileURLToPath(new URL('../../../fixtures/kubefed-planner-examples.json', import.meta.url));

type Helper = 'doCheck' | 'doCheckWithExisting' | 'doCheckWithExistingAndCapacity';

interface PlannerExample {
  name: string;
  helper: Helper;
  preferences: ReplicaPreferences;
  clusters: string[];
  currentReplicas: Record<string, number>;
  estimatedCapacity: Record<string, number>;
  replicaSetKey: string;
  expected: Record<string, number>;
  expectedOverflow: Record<string, number>;
  hashDependent?: boolean;
  comment?: string;
}

interface PlannerExamples {
  conventions: { fnv1_32_values_with_empty_key: Record<string, number> };
  cases: PlannerExample[];
}

const examples = JSON.parse(readFileSync(examplesPath, 'utf8')) as PlannerExamples;

/** The inputs each Go test helper passes to Plan (the `helpers` convention in the examples file). */
function helperInputs(example: PlannerExample): { inputs: PlanInputs; expectsNoOverflow: boolean } {
  switch (example.helper) {
    case 'doCheck':
      return { inputs: { currentReplicas: {}, estimatedCapacity: {}, key: '' }, expectsNoOverflow: true };
    case 'doCheckWithExisting':
      return {
        inputs: { currentReplicas: example.currentReplicas, estimatedCapacity: {}, key: '' },
        expectsNoOverflow: true,
      };
    case 'doCheckWithExistingAndCapacity':
      return {
        inputs: {
          currentReplicas: example.currentReplicas,
          estimatedCapacity: example.estimatedCapacity,
          key: example.replicaSetKey,
        },
        expectsNoOverflow: false,
      };
  }
}

describe('KubeFed planner examples', () => {
  it('loads all 40 cases from the shared spec folder', () => {
    expect(existsSync(examplesPath)).toBe(true);
    expect(examples.cases).toHaveLength(40);
  });

  for (const example of examples.cases) {
    const note = example.hashDependent ? ' (hash-dependent)' : '';
    it(`splits replicas as KubeFed's ${example.name} asserts${note}`, () => {
      const { inputs, expectsNoOverflow } = helperInputs(example);
      const result = planReplicas(example.preferences, example.clusters, inputs);
      expect(result.plan).toStrictEqual(example.expected);
      expect(result.overflow).toStrictEqual(expectsNoOverflow ? {} : example.expectedOverflow);
    });
  }
});

describe('fnv1Hash32', () => {
  it('matches the FNV-1 values the examples give for single cluster names', () => {
    for (const [name, hash] of Object.entries(examples.conventions.fnv1_32_values_with_empty_key)) {
      expect(fnv1Hash32(name), name).toBe(hash);
    }
  });

  it('returns the offset basis for empty input', () => {
    expect(fnv1Hash32('')).toBe(FNV1_32_OFFSET_BASIS);
  });

  it('is FNV-1, not FNV-1a, on the published test vector', () => {
    // FNV-1 32 of "a" is 0x050c5d7e; FNV-1a would give 0xe40c292c.
    expect(fnv1Hash32('a')).toBe(0x050c5d7e);
    expect(fnv1Hash32('foobar')).toBe(0x31f0b262);
  });

  it('continues from a seed exactly as hashing the concatenation', () => {
    expect(fnv1Hash32('test-ns/test-deployment', fnv1Hash32('A'))).toBe(fnv1Hash32('Atest-ns/test-deployment'));
  });

  it('hashes UTF-8 bytes and always returns an unsigned 32-bit integer', () => {
    const hash = fnv1Hash32('é');
    // é is two UTF-8 bytes: 0xc3 0xa9.
    let expected = FNV1_32_OFFSET_BASIS;
    for (const byte of [0xc3, 0xa9]) expected = (Math.imul(expected, 16777619) ^ byte) >>> 0;
    expect(hash).toBe(expected);
    fc.assert(
      fc.property(fc.string(), (text) => {
        const value = fnv1Hash32(text);
        return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
      }),
    );
  });
});

describe('planReplicas on the user guide examples (spec §4.6)', () => {
  const key = 'test-ns/test-deployment';
  const spread: Record<string, ClusterPreference> = { '*': { weight: 1 }, C: { maxReplicas: 20, weight: 1 } };

  it('splits 9 replicas 3/3/3 when the RSP lists no clusters', () => {
    const preferences = { totalReplicas: 9, clusters: defaultClusterPreferences({}) };
    expect(planReplicas(preferences, ['A', 'B', 'C'], { key }).plan).toStrictEqual({ A: 3, B: 3, C: 3 });
  });

  it('gives weight 2 twice the replicas of weight 1 and nothing to an unlisted cluster', () => {
    const preferences = { totalReplicas: 9, clusters: { A: { weight: 1 }, B: { weight: 2 } } };
    expect(planReplicas(preferences, ['A', 'B', 'C'], { key }).plan).toStrictEqual({ A: 3, B: 6, C: 0 });
  });

  it('honours min and max with weights', () => {
    const preferences = {
      totalReplicas: 9,
      clusters: { A: { minReplicas: 4, maxReplicas: 6, weight: 1 }, B: { minReplicas: 4, maxReplicas: 8, weight: 2 } },
    };
    expect(planReplicas(preferences, ['A', 'B'], { key }).plan).toStrictEqual({ A: 4, B: 5 });
  });

  it('breaks ties by the namespace/name hash, giving A17 B17 C16 rather than the docs A16 B17 C17', () => {
    const plan = planReplicas({ totalReplicas: 50, clusters: spread }, ['A', 'B', 'C'], { key }).plan;
    expect(plan).toStrictEqual({ A: 17, B: 17, C: 16 });
    // With the unit tests' empty key it is the documented split.
    const unkeyed = planReplicas({ totalReplicas: 50, clusters: spread }, ['A', 'B', 'C']).plan;
    expect(unkeyed).toStrictEqual({ A: 16, B: 17, C: 17 });
  });

  it('moves replicas to the remaining clusters when one goes offline', () => {
    const plan = planReplicas({ totalReplicas: 50, clusters: spread }, ['A', 'C'], { key }).plan;
    expect(plan).toStrictEqual({ A: 30, C: 20 });
  });

  it('drops the replicas that fit nowhere', () => {
    const planned = planReplicas({ totalReplicas: 50, clusters: spread }, ['C'], { key });
    expect(planned).toStrictEqual({ plan: { C: 20 }, overflow: {} });
  });
});

describe('planReplicas edge cases', () => {
  it('does not default an empty preferences map: every cluster gets 0', () => {
    expect(planReplicas({ totalReplicas: 5, clusters: {} }, ['B', 'A']).plan).toStrictEqual({ A: 0, B: 0 });
  });

  it('returns plan and overflow keys in sorted order whatever the cluster order', () => {
    const planned = planReplicas(
      { totalReplicas: 60, rebalance: true, clusters: { '*': { weight: 1 } } },
      ['c', 'B', 'a', 'A'],
      { estimatedCapacity: { c: 1, a: 2 } },
    );
    expect(Object.keys(planned.plan)).toStrictEqual(['A', 'B', 'a', 'c']);
    expect(Object.keys(planned.overflow)).toStrictEqual(['a', 'c']);
  });

  it('keeps min above max when the weighted loop never reaches the cluster', () => {
    const plan = planReplicas({ totalReplicas: 10, clusters: { A: { minReplicas: 8, maxReplicas: 3 } } }, ['A']).plan;
    expect(plan).toStrictEqual({ A: 8 });
  });

  it('clamps min above max to max once the weighted loop runs, handing replicas back', () => {
    const plan = planReplicas(
      { totalReplicas: 10, clusters: { A: { minReplicas: 8, maxReplicas: 3, weight: 1 }, B: { weight: 1 } } },
      ['A', 'B'],
    ).plan;
    expect(plan).toStrictEqual({ A: 3, B: 7 });
  });

  it('reads a cluster named like an Object.prototype member as a plain cluster', () => {
    const names = ['constructor', 'toString'];
    const plan = planReplicas({ totalReplicas: 4, clusters: { '*': { weight: 1 } } }, names).plan;
    expect(names.map((name) => plan[name])).toStrictEqual([2, 2]);
    expect(planReplicas({ totalReplicas: 4, clusters: {} }, ['constructor']).plan).toStrictEqual({ constructor: 0 });
  });

  it('plans a cluster listed twice once', () => {
    const once = planReplicas({ totalReplicas: 7, clusters: { '*': { weight: 1 } } }, ['A', 'B']);
    expect(planReplicas({ totalReplicas: 7, clusters: { '*': { weight: 1 } } }, ['A', 'B', 'A'])).toStrictEqual(once);
  });

  it('terminates and stays non-negative on negative or fractional counts', () => {
    const planned = planReplicas(
      { totalReplicas: 10.7, clusters: { A: { weight: 2 }, B: { weight: -1, minReplicas: -3 } } },
      ['A', 'B'],
      { currentReplicas: { B: -5 }, estimatedCapacity: { A: Number.NaN } },
    );
    expect(planned).toStrictEqual({ plan: { A: 10, B: 0 }, overflow: {} });
  });

  it('stays exact when weight × replicas passes 2^53', () => {
    const huge = 2 ** 52;
    const plan = planReplicas({ totalReplicas: 1001, clusters: { A: { weight: huge }, B: { weight: huge } } }, [
      'A',
      'B',
    ]).plan;
    expect(plan.A! + plan.B!).toBe(1001);
    expect(Math.abs(plan.A! - plan.B!)).toBe(1);
  });
});

describe('defaultClusterPreferences', () => {
  it('treats an empty or absent map as every cluster with weight 1 (spec §4.1)', () => {
    expect(defaultClusterPreferences({})).toStrictEqual({ '*': { weight: 1 } });
    expect(defaultClusterPreferences(undefined)).toStrictEqual({ '*': { weight: 1 } });
    expect(defaultClusterPreferences(null)).toStrictEqual({ '*': { weight: 1 } });
  });

  it('returns a non-empty map unchanged', () => {
    const clusters = { A: { weight: 3 } };
    expect(defaultClusterPreferences(clusters)).toBe(clusters);
  });
});

describe('schedulingResult (spec §4.4)', () => {
  it('adds overflow on top of the capacity-limited plan', () => {
    const planned = planReplicas(
      { totalReplicas: 50, rebalance: true, clusters: { '*': { weight: 1 } } },
      ['A', 'B', 'C'],
      { estimatedCapacity: { C: 10 } },
    );
    expect(schedulingResult(planned)).toStrictEqual({ A: 20, B: 20, C: 17 });
  });

  it('scales to 0 clusters where the target exists but the plan has no entry', () => {
    const result = schedulingResult({ plan: { B: 3 }, overflow: {} }, ['Z', 'A', 'B']);
    expect(result).toStrictEqual({ A: 0, B: 3, Z: 0 });
    expect(Object.keys(result)).toStrictEqual(['A', 'B', 'Z']);
  });

  it('lets the plan win over the 0 for existing clusters', () => {
    expect(schedulingResult({ plan: { A: 4 }, overflow: { A: 2 } }, ['A'])).toStrictEqual({ A: 6 });
  });
});

// Properties over arbitrary, well-formed preferences.
const clusterName = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'east', 'west', 'x-1');
const boundedPreference = fc
  .record({
    minReplicas: fc.nat(30),
    span: fc.option(fc.nat(30), { nil: undefined }),
    weight: fc.nat(5),
  })
  .map(({ minReplicas, span, weight }): ClusterPreference => ({
    minReplicas,
    ...(span === undefined ? {} : { maxReplicas: minReplicas + span }),
    weight,
  }));
const preferencesArb = fc.record({
  totalReplicas: fc.nat(200),
  rebalance: fc.boolean(),
  clusters: fc.dictionary(fc.oneof(clusterName, fc.constant('*')), boundedPreference, { maxKeys: 6 }),
});
const namesArb = fc.uniqueArray(clusterName, { maxLength: 8 });
const countsArb = fc.dictionary(clusterName, fc.nat(80), { maxKeys: 5 });
const keyArb = fc.oneof(fc.constant(''), fc.constant('test-ns/test-deployment'), fc.string({ maxLength: 20 }));

function preferenceFor(preferences: ReplicaPreferences, name: string): ClusterPreference | undefined {
  return Object.hasOwn(preferences.clusters, name) ? preferences.clusters[name] : preferences.clusters['*'];
}

describe('planReplicas properties', () => {
  it('gives the same plan for the same input', () => {
    fc.assert(
      fc.property(preferencesArb, namesArb, countsArb, countsArb, keyArb, (preferences, names, current, capacity, key) => {
        const inputs = { currentReplicas: current, estimatedCapacity: capacity, key };
        expect(planReplicas(preferences, names, inputs)).toStrictEqual(planReplicas(preferences, names, inputs));
      }),
    );
  });

  it('never plans more than totalReplicas when min ≤ max and no capacity is known', () => {
    fc.assert(
      fc.property(preferencesArb, namesArb, countsArb, keyArb, (preferences, names, current, key) => {
        const { plan } = planReplicas(preferences, names, { currentReplicas: current, key });
        const sum = Object.values(plan).reduce((total, replicas) => total + replicas, 0);
        expect(sum).toBeLessThanOrEqual(preferences.totalReplicas);
      }),
    );
  });

  it('never gives a cluster more than its maxReplicas when min ≤ max and no capacity is known', () => {
    fc.assert(
      fc.property(preferencesArb, namesArb, countsArb, keyArb, (preferences, names, current, key) => {
        const { plan } = planReplicas(preferences, names, { currentReplicas: current, key });
        for (const name of names) {
          const max = preferenceFor(preferences, name)?.maxReplicas;
          if (max !== undefined) expect(plan[name]).toBeLessThanOrEqual(max);
        }
      }),
    );
  });

  it('plans every listed cluster and no other', () => {
    fc.assert(
      fc.property(preferencesArb, namesArb, (preferences, names) => {
        expect(Object.keys(planReplicas(preferences, names).plan)).toStrictEqual([...names].sort());
      }),
    );
  });

  it('does not mutate its inputs', () => {
    fc.assert(
      fc.property(preferencesArb, namesArb, countsArb, countsArb, keyArb, (preferences, names, current, capacity, key) => {
        const inputs = { currentReplicas: current, estimatedCapacity: capacity, key };
        // JSON keeps key order too; structuredClone would drop the null prototypes fast-check sometimes uses.
        const before = JSON.stringify({ preferences, names, inputs });
        planReplicas(preferences, names, inputs);
        expect(JSON.stringify({ preferences, names, inputs })).toBe(before);
      }),
    );
  });
});
