import { describe, expect, it } from 'vitest';
import { diffFields } from '../../../src/plan/diff-fields.ts';

describe('diffFields', () => {
  it('finds nothing between equal values', () => {
    expect(diffFields({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it('names changed, added and removed leaves by path, sorted', () => {
    const before = { spec: { replicas: 2, paused: false }, metadata: { labels: { app: 'web' } } };
    const after = { spec: { replicas: 3 }, metadata: { labels: { app: 'web', tier: 'front' } } };
    expect(diffFields(before, after)).toEqual(['metadata.labels.tier', 'spec.paused', 'spec.replicas']);
  });

  it('indexes into arrays of equal length and reports a length change as the array', () => {
    expect(diffFields({ c: [{ image: 'a' }] }, { c: [{ image: 'b' }] })).toEqual(['c[0].image']);
    expect(diffFields({ c: [1] }, { c: [1, 2] })).toEqual(['c']);
  });

  it('reports a change of type at the path where it happens', () => {
    expect(diffFields({ a: { b: 1 } }, { a: 'x' })).toEqual(['a']);
  });
});
