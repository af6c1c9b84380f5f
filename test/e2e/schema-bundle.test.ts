/**
 * The shipped schema bundle equals what the lab's kube-apiserver serves at /openapi/v3 today (compacted the same
 * way), so it cannot go stale silently: a new lab version without `npm run schemas:dump` fails here.
 */
import { describe, expect, it } from 'vitest';
import { labGetJson } from '../../src/lab/lab-get-json.ts';
import { readSchemaBundle } from '../../src/source/schema-bundles.ts';
import { readServerSchemas } from '../../src/validate/read-openapi.ts';
import { useLab } from './lab-context.ts';

describe('shipped schema bundle', () => {
  it('equals the compacted /openapi/v3 of a lab member, for the minor release the lab runs', async () => {
    const lab = useLab();
    const served = await readServerSchemas(await labGetJson(lab.dir, lab.members[0]!.name));
    const shipped = await readSchemaBundle(served.kubeVersion);
    expect(Object.keys(served.kinds).length).toBeGreaterThan(50);
    expect(served.kinds['apps/v1/Deployment']).toBe('io.k8s.api.apps.v1.Deployment');
    expect(JSON.stringify(shipped)).toBe(JSON.stringify(served));
  });
});
