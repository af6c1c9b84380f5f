/**
 * Where a rollout's state lives between passes and restarts: a ConfigMap `gitfed-system/gitfed-rollout-<instance>`
 * in every member, each holding the whole state (JSON) and a sequence number that grows with every change. The
 * state is saved before anything it decided is applied (an intent, like the inventory), so a member is never
 * given a revision the saved state does not say it holds; a restart reads every reachable member and resumes from
 * the highest sequence. docs/rollouts.md says why it lives in the members.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { inventoryNamespace } from '../plan/inventory.ts';
import type { RolloutState } from '../rollout/rollout-state.ts';
import type { MemberClients } from './apply-all.ts';

export interface StoredRollout {
  sequence: number;
  state: RolloutState;
}

export function rolloutStateName(instance: string): string {
  return `gitfed-rollout-${instance}`;
}

const ref = (instance: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name: rolloutStateName(instance) });

/** The newest state any reachable member holds; undefined when none holds one. `failed`: members that could not be read. */
export async function readRolloutState(clients: MemberClients, instance: string): Promise<{ stored?: StoredRollout; failed: Record<string, string> }> {
  const failed: Record<string, string> = {};
  let newest: StoredRollout | undefined;
  await Promise.all([...clients].map(async ([cluster, client]) => {
    if ('unavailable' in client) {
      failed[cluster] = client.unavailable;
      return;
    }
    try {
      const found = parse(await client.get(ref(instance)));
      if (found && (!newest || found.sequence > newest.sequence)) newest = found;
    } catch (err) {
      failed[cluster] = (err as Error).message;
    }
  }));
  return { ...(newest ? { stored: newest } : {}), failed };
}

/** Saves the state in every reachable member; answers which ones took it and why the others did not. */
export async function saveRolloutState(
  clients: MemberClients,
  instance: string,
  stored: StoredRollout,
): Promise<{ saved: string[]; failed: Record<string, string> }> {
  const saved: string[] = [];
  const failed: Record<string, string> = {};
  await Promise.all([...clients].map(async ([cluster, client]) => {
    if ('unavailable' in client) {
      failed[cluster] = client.unavailable;
      return;
    }
    try {
      await write(client, instance, stored);
      saved.push(cluster);
    } catch (err) {
      failed[cluster] = (err as Error).message;
    }
  }));
  return { saved: saved.sort(), failed };
}

async function write(client: ClusterClient, instance: string, stored: StoredRollout): Promise<void> {
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: inventoryNamespace } }, { fieldManager: 'gitfed-rollout' });
  await client.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: rolloutStateName(instance), namespace: inventoryNamespace, labels: { 'gitfed.io/instance': instance, 'gitfed.io/role': 'rollout' } },
      data: { sequence: String(stored.sequence), 'state.json': JSON.stringify(stored.state) },
    },
    { fieldManager: 'gitfed-rollout', force: true },
  );
}

function parse(object: { [field: string]: unknown } | null): StoredRollout | undefined {
  const data = object?.data as Record<string, string> | undefined;
  if (!data?.['state.json']) return undefined;
  const sequence = Number(data.sequence);
  return { sequence: Number.isFinite(sequence) ? sequence : 0, state: JSON.parse(data['state.json']) as RolloutState };
}
