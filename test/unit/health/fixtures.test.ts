/**
 * One test per file under fixtures/health/<kind>/<state>.yaml: adding a fixture adds a test. Each fixture is a
 * live object with a header comment:
 *   # expect: <HealthStatus>     required
 *   # message: <substring>       optional, the message must contain it
 *   # now: <RFC 3339 time>       optional, passed as HealthOptions.now
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseAllDocuments, type Document } from 'yaml';
import { computeHealth, type HealthStatus } from '../../../src/health/compute-health.ts';
import { healthStatuses } from '../../../src/health/aggregate-health.ts';
import type { KubeObject } from '../../../src/model/types.ts';

const root = fileURLToPath(new URL('../../../fixtures/health/', import.meta.url));

interface Fixture {
  name: string;
  live: KubeObject;
  expect: HealthStatus;
  message?: string;
  now?: string;
}

function listYaml(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listYaml(path);
      return entry.name.endsWith('.yaml') ? [path] : [];
    })
    .sort();
}

/** The comment above the object, wherever the yaml package attached it (document or first key). */
function headerComment(doc: Document): string {
  const firstKey = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  const keyComment = isScalar(firstKey) ? firstKey.commentBefore : undefined;
  return [doc.commentBefore, keyComment].filter((text) => text).join('\n');
}

function loadFixture(path: string): Fixture {
  const name = relative(root, path).split('\\').join('/');
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  if (!Array.isArray(docs) || docs.length !== 1) throw new Error(`${name}: expected exactly one YAML document`);
  const [doc] = docs;
  if (!doc || doc.errors.length > 0) throw new Error(`${name}: ${doc?.errors[0]?.message ?? 'empty'}`);

  const header: Record<string, string> = {};
  for (const line of headerComment(doc).split('\n')) {
    const match = /^\s*(expect|message|now):\s*(.*?)\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) header[match[1]] = match[2];
  }
  const expected = header['expect'];
  if (!expected || !healthStatuses.includes(expected as HealthStatus)) {
    throw new Error(`${name}: header needs "# expect: <one of ${healthStatuses.join(', ')}>"`);
  }
  return {
    name,
    live: doc.toJS() as KubeObject,
    expect: expected as HealthStatus,
    ...(header['message'] ? { message: header['message'] } : {}),
    ...(header['now'] ? { now: header['now'] } : {}),
  };
}

const fixtures = listYaml(root).map(loadFixture);

describe('computeHealth on fixtures/health', () => {
  it('finds fixtures for every kind with a rule of its own', () => {
    const kinds = new Set(fixtures.map((fixture) => fixture.name.split('/')[0]));
    for (const kind of ['deployment', 'replicaset', 'statefulset', 'daemonset', 'job', 'pod', 'service',
      'namespace', 'pvc', 'crd', 'generic']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture.expect, fixture] as const))(
    'reads %s as %s',
    (_name, expected, fixture) => {
      const health = computeHealth(fixture.live, fixture.now ? { now: fixture.now } : {});
      expect(health.status).toBe(expected);
      if (fixture.message !== undefined) expect(health.message).toContain(fixture.message);
    },
  );
});
