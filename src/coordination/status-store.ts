/**
 * The member status each replica publishes for the leader: one ConfigMap per replica in the coordination
 * namespace, `gitfed-<instance>-status-<replica>`, its JSON gzipped into binaryData (a member's results are
 * mostly repeated ids and status words: 300 objects take a few KiB). Only its replica writes it (server-side
 * apply), so writers never race; the leader lists them by label. Why not Git: owners committing per-member
 * files would put N writers on one branch, each push a rebase race, and a commit per pass per replica.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { instanceAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import type { PublishedStatus } from './merge-statuses.ts';

export const memberStatusLabel = 'gitfed.io/member-status';
const dataKey = 'status.json.gz';

export interface StatusStore {
  /** Writes this replica's status when its bytes changed; returns its digest. */
  publish(status: PublishedStatus): Promise<string>;
  /** Every replica's last published status (unreadable ones skipped). */
  list(): Promise<PublishedStatus[]>;
}

export function statusConfigMapName(instance: string, replica: string): string {
  return `gitfed-${instance}-status-${replica}`;
}

export function createStatusStore(client: ClusterClient, options: { namespace: string; instance: string; replica: string }): StatusStore {
  let written: string | undefined;
  return {
    async publish(status) {
      const json = JSON.stringify(status);
      const digest = createHash('sha256').update(json).digest('hex').slice(0, 16);
      if (digest === written) return digest;
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: statusConfigMapName(options.instance, options.replica),
            namespace: options.namespace,
            labels: { [instanceAnnotation]: options.instance, [memberStatusLabel]: 'true' },
            annotations: { 'gitfed.io/revision': status.revision ?? '', 'gitfed.io/status-digest': digest },
          },
          binaryData: { [dataKey]: gzipSync(json).toString('base64') },
        },
        { force: true },
      );
      written = digest;
      return digest;
    },
    async list() {
      const objects = await client.list('v1', 'ConfigMap', { namespace: options.namespace, labelSelector: `${instanceAnnotation}=${options.instance},${memberStatusLabel}=true` });
      return objects.flatMap((object) => statusOf(object) ?? []);
    },
  };
}

function statusOf(object: KubeObject): PublishedStatus | undefined {
  const data = (object.binaryData as Record<string, string> | undefined)?.[dataKey];
  if (!data) return undefined;
  try {
    return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as PublishedStatus;
  } catch {
    return undefined; // a status that does not parse counts as not published; its replica rewrites it next pass
  }
}
