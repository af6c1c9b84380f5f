/**
 * The member status each replica publishes for the leader, in the coordination namespace: its JSON gzipped
 * (a member's results are mostly repeated ids and status words: 300 objects take a few KiB) and cut into parts
 * of at most `statusPartBytes`, one ConfigMap each, so a replica owning thousands of objects stays under the API
 * server's 1 MiB object limit. Part 0 is `gitfed-<instance>-status-<replica>` and says how many parts there are;
 * part k is `…-status-<replica>.<k>` (replica ids hold no dot, so names never collide). Every part carries the
 * digest of the whole: parts are written last-first, part 0 last, and a reader takes a status only when every
 * part it names carries part 0's digest — a status being rewritten reads as the previous one or as none, never
 * as a mix. Only its replica writes it (server-side apply), so writers never race; the leader lists them by label.
 * Why not Git: owners committing per-member files would put N writers on one branch, each push a rebase race,
 * and a commit per pass per replica.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { instanceAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import type { PublishedStatus } from './merge-statuses.ts';

export const memberStatusLabel = 'gitfed.io/member-status';
/** The replica a status part belongs to (label, so one replica's parts list and delete together). */
export const statusReplicaLabel = 'gitfed.io/status-replica';
const dataKey = 'status.json.gz';
const digestAnnotation = 'gitfed.io/status-digest';
const partsAnnotation = 'gitfed.io/status-parts';
/** Compressed bytes per ConfigMap: base64 makes 683 KiB of it, well under 1 MiB with the metadata. */
export const statusPartBytes = 512 * 1024;

export interface StatusStore {
  /** Writes this replica's status when its bytes changed; returns its digest. */
  publish(status: PublishedStatus): Promise<string>;
  /** Every replica's last complete published status (unreadable or half-written ones skipped). */
  list(): Promise<PublishedStatus[]>;
  /** The replicas that have a status stored, complete or not. */
  publishers(): Promise<string[]>;
  /** Deletes every part of `replica`'s status (a replica gone for good). */
  remove(replica: string): Promise<void>;
}

export function statusConfigMapName(instance: string, replica: string, part = 0): string {
  return `gitfed-${instance}-status-${replica}${part === 0 ? '' : `.${part}`}`;
}

export function createStatusStore(
  client: ClusterClient,
  options: { namespace: string; instance: string; replica: string; partBytes?: number },
): StatusStore {
  const partBytes = options.partBytes ?? statusPartBytes;
  const selector = `${instanceAnnotation}=${options.instance},${memberStatusLabel}=true`;
  const listParts = () => client.list('v1', 'ConfigMap', { namespace: options.namespace, labelSelector: selector });
  const removeParts = async (replica: string, keep: number) => {
    const stale = (await listParts()).filter((object) => replicaOf(object) === replica && partIndexOf(object.metadata.name, options.instance, replica) >= keep);
    for (const object of stale) await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: options.namespace, name: object.metadata.name });
  };
  let written: { digest: string; parts: number } | undefined;
  return {
    async publish(status) {
      const json = JSON.stringify(status);
      const digest = createHash('sha256').update(json).digest('hex').slice(0, 16);
      if (digest === written?.digest) return digest;
      const parts = cut(gzipSync(json), partBytes);
      for (let part = parts.length - 1; part >= 0; part--) {
        const object = partObject(options, { part, count: parts.length, digest, bytes: parts[part]!, revision: status.revision });
        await client.apply(object, { force: true });
      }
      // Parts beyond the new count belong to an older, longer status (or to whatever a restart left).
      if (written === undefined || written.parts > parts.length) await removeParts(options.replica, parts.length);
      written = { digest, parts: parts.length };
      return digest;
    },
    async list() {
      return assembleStatuses(await listParts(), options.instance);
    },
    async publishers() {
      return [...new Set((await listParts()).flatMap((object) => replicaOf(object) ?? []))].sort();
    },
    async remove(replica) {
      await removeParts(replica, 0);
    },
  };
}

function partObject(
  options: { namespace: string; instance: string; replica: string },
  part: { part: number; count: number; digest: string; bytes: Buffer; revision: string | null },
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: statusConfigMapName(options.instance, options.replica, part.part),
      namespace: options.namespace,
      labels: { [instanceAnnotation]: options.instance, [memberStatusLabel]: 'true', [statusReplicaLabel]: options.replica },
      annotations: {
        'gitfed.io/revision': part.revision ?? '',
        [digestAnnotation]: part.digest,
        ...(part.part === 0 ? { [partsAnnotation]: String(part.count) } : {}),
      },
    },
    binaryData: { [dataKey]: part.bytes.toString('base64') },
  };
}

function cut(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || parts.length === 0; offset += size) parts.push(bytes.subarray(offset, offset + size));
  return parts;
}

/** Each replica's status from its parts: complete (every part, one digest) or not at all. */
export function assembleStatuses(objects: readonly KubeObject[], instance: string): PublishedStatus[] {
  const byReplica = new Map<string, Map<number, KubeObject>>();
  for (const object of objects) {
    const replica = replicaOf(object);
    if (!replica) continue;
    const part = partIndexOf(object.metadata.name, instance, replica);
    if (part < 0) continue;
    const parts = byReplica.get(replica) ?? new Map<number, KubeObject>();
    parts.set(part, object);
    byReplica.set(replica, parts);
  }
  return [...byReplica.values()].flatMap((parts) => statusOf(parts) ?? []);
}

function statusOf(parts: ReadonlyMap<number, KubeObject>): PublishedStatus | undefined {
  const first = parts.get(0);
  const digest = first?.metadata.annotations?.[digestAnnotation];
  const count = Number(first?.metadata.annotations?.[partsAnnotation] ?? '1');
  if (!first || !Number.isInteger(count) || count < 1) return undefined;
  const chunks: Buffer[] = [];
  for (let part = 0; part < count; part++) {
    const object = parts.get(part);
    const data = (object?.binaryData as Record<string, string> | undefined)?.[dataKey];
    if (!object || data === undefined || object.metadata.annotations?.[digestAnnotation] !== digest) return undefined; // being rewritten
    chunks.push(Buffer.from(data, 'base64'));
  }
  try {
    return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as PublishedStatus;
  } catch {
    return undefined; // a status that does not parse counts as not published; its replica rewrites it next pass
  }
}

/** The replica a status ConfigMap belongs to: its label, or (written before parts existed) its name. */
function replicaOf(object: KubeObject): string | undefined {
  const labelled = object.metadata.labels?.[statusReplicaLabel];
  if (labelled) return labelled;
  const instance = object.metadata.labels?.[instanceAnnotation];
  const prefix = `gitfed-${instance}-status-`;
  return instance && object.metadata.name.startsWith(prefix) && !object.metadata.name.includes('.') ? object.metadata.name.slice(prefix.length) : undefined;
}

function partIndexOf(name: string, instance: string, replica: string): number {
  const base = statusConfigMapName(instance, replica);
  if (name === base) return 0;
  const match = name.startsWith(`${base}.`) ? /^\d+$/.exec(name.slice(base.length + 1)) : null;
  return match ? Number(match[0]) : -1;
}
