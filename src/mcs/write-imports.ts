/**
 * Writes one member's imports (effect): ServiceImports (spec, then status through the subresource), then their
 * EndpointSlices with an owner reference to the member's ServiceImport (KEP-1645: the slices are garbage with
 * it), then ClusterProperties; then deletes what this instance wrote and no longer wants, when the pass allows
 * pruning. Every failed object is returned with its message; one never stops the others.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { identityOf, resourceId } from '../model/identity.ts';
import { multiclusterHashAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import { mcsApiVersion, serviceImportKind, serviceNameLabel } from './mcs-api.ts';
import type { MemberWrites } from './plan-member-writes.ts';

export interface WriteResult {
  written: KubeObject[];
  deleted: number;
  failures: { object: KubeObject; message: string }[];
}

export async function writeImports(
  client: ClusterClient,
  writes: MemberWrites,
  live: readonly KubeObject[],
  options: { prune: boolean; fieldManager: string },
): Promise<WriteResult> {
  const result: WriteResult = { written: [], deleted: 0, failures: [] };
  const uids = new Map<string, string>();
  for (const object of live) if (object.kind === serviceImportKind && typeof object.metadata.uid === 'string') uids.set(`${object.metadata.namespace}/${object.metadata.name}`, object.metadata.uid);
  const attempt = async (object: KubeObject, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
      result.written.push(object);
    } catch (err) {
      result.failures.push({ object, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const imports = writes.apply.filter((object) => object.kind === serviceImportKind);
  await Promise.all(imports.map((object) => attempt(object, async () => {
    const { status, ...spec } = object;
    const applied = await client.apply(spec as KubeObject, { fieldManager: options.fieldManager, force: true });
    if (typeof applied.metadata.uid === 'string') uids.set(`${object.metadata.namespace}/${object.metadata.name}`, applied.metadata.uid);
    try {
      if (!client.applyStatus) throw new Error(`the client for ${client.cluster} cannot write status`);
      await client.applyStatus({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata.namespace }, status } as KubeObject, { fieldManager: options.fieldManager, force: true });
    } catch (err) {
      // Without its status the import is not up to date: forget the hash so the next pass writes it again. If even
      // that fails, the failure says so (the next pass may take the import as current).
      const message = err instanceof Error ? err.message : String(err);
      await client.mergePatch(identityOf(object), { metadata: { annotations: { [multiclusterHashAnnotation]: null } } }).catch((clearErr: unknown) => {
        throw new Error(`${message}; clearing its content hash failed too (${clearErr instanceof Error ? clearErr.message : String(clearErr)}), so a later pass may not rewrite its status`, { cause: err });
      });
      throw err;
    }
  })));
  const rest = writes.apply.filter((object) => object.kind !== serviceImportKind);
  await Promise.all(rest.map((object) => attempt(object, async () => {
    await client.apply(withOwner(object, uids), { fieldManager: options.fieldManager, force: true });
  })));
  if (options.prune) {
    for (const object of writes.delete) {
      try {
        await client.delete(identityOf(object));
        result.deleted++;
      } catch (err) {
        result.failures.push({ object, message: `delete ${resourceId(identityOf(object))}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }
  return result;
}

/** An imported EndpointSlice owned (not controlled) by its ServiceImport, once that has a uid in the member. */
function withOwner(object: KubeObject, uids: ReadonlyMap<string, string>): KubeObject {
  const service = object.metadata.labels?.[serviceNameLabel];
  const uid = object.kind === 'EndpointSlice' && service ? uids.get(`${object.metadata.namespace}/${service}`) : undefined;
  if (!uid) return object;
  return {
    ...object,
    metadata: { ...object.metadata, ownerReferences: [{ apiVersion: mcsApiVersion, kind: serviceImportKind, name: service!, uid, controller: false }] },
  };
}
