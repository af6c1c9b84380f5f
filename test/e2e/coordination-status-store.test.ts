/**
 * The member-status store on a real kube-apiserver (a lab member as the coordination cluster): a status larger
 * than one part is cut into several ConfigMaps and read back whole; a shorter one deletes the parts it no longer
 * needs; a status caught half-rewritten reads as none; remove() deletes every part. Small parts stand in for the
 * 1 MiB object limit so the test stays quick.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../src/cluster/cluster-client.ts';
import type { MemberRegistry } from '../../src/cluster/member-registry.ts';
import type { PublishedStatus } from '../../src/coordination/merge-statuses.ts';
import { createStatusStore, statusConfigMapName } from '../../src/coordination/status-store.ts';
import { instanceAnnotation } from '../../src/model/marks.ts';
import { observeMembers } from '../support/e2e-repo.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
let registry: MemberRegistry;
let client: ClusterClient;
const namespace = uniqueName('e2e-status-store');
const instance = uniqueName('status');

beforeAll(async () => {
  registry = await observeMembers(lab.kubeconfig, [lab.members[0]!.name]);
  client = registry.clients.get(lab.members[0]!.name)!;
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});
afterAll(async () => {
  await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
  await registry?.close();
});

/** A status whose compressed size is about `kib` KiB: random member names do not compress. */
function statusOf(replica: string, revision: string, kib: number): PublishedStatus {
  const members: PublishedStatus['members'] = {};
  for (let i = 0; i < kib * 8; i++) {
    members[`m-${randomBytes(48).toString('hex')}`] = { applied: { reachable: true, changes: [] }, driftCorrected: i };
  }
  return { replica, revision, members };
}

const partNames = async () =>
  (await client.list('v1', 'ConfigMap', { namespace, labelSelector: `${instanceAnnotation}=${instance}` })).map((object) => object.metadata.name).sort();

describe('member status published in parts', () => {
  it('cuts a large status into parts, reads it back whole, and drops parts a shorter status does not need', async () => {
    const store = createStatusStore(client, { namespace, instance, replica: 'r-a', partBytes: 4 * 1024 });
    const large = statusOf('r-a', 'rev-1', 20);
    await store.publish(large);
    const names = await partNames();
    expect(names.length).toBeGreaterThan(3);
    expect(names).toContain(statusConfigMapName(instance, 'r-a'));
    expect(names).toContain(statusConfigMapName(instance, 'r-a', 1));
    expect(await store.list()).toEqual([large]);

    const small = statusOf('r-a', 'rev-2', 0);
    await store.publish(small);
    expect(await partNames()).toEqual([statusConfigMapName(instance, 'r-a')]);
    expect(await store.list()).toEqual([small]);
    expect(await store.publishers()).toEqual(['r-a']);
  });

  it('reads a status caught half-rewritten as none, and another replica’s beside it as it is', async () => {
    const a = createStatusStore(client, { namespace, instance, replica: 'r-b', partBytes: 4 * 1024 });
    const b = createStatusStore(client, { namespace, instance, replica: 'r-c', partBytes: 4 * 1024 });
    const statusB = statusOf('r-b', 'rev-1', 12);
    const statusC = statusOf('r-c', 'rev-1', 0);
    await a.publish(statusB);
    await b.publish(statusC);
    // A writer that stopped after its first part: part 1 carries a digest part 0 does not name.
    const part1 = statusConfigMapName(instance, 'r-b', 1);
    await client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: part1 }, { metadata: { annotations: { 'gitfed.io/status-digest': 'newer' } } });
    const read = await a.list();
    expect(read.map((status) => status.replica).sort()).toEqual(['r-a', 'r-c']);
    expect(read.find((status) => status.replica === 'r-c')).toEqual(statusC);

    await a.remove('r-b');
    expect((await partNames()).filter((name) => name.includes('-status-r-b'))).toEqual([]);
    expect(await a.publishers()).toEqual(['r-a', 'r-c']);
  });
});
