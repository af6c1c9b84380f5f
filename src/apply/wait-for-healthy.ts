/** `apply --wait`: poll live status until every object gitfed holds in reachable members is Current. */
import type { MemberConnection } from '../cluster/connect-members.ts';
import { defaultInstance } from '../model/marks.ts';
import type { RenderResult } from '../render/render.ts';
import { readLiveStatus, type MemberStatus } from './live-status.ts';

export async function waitForHealthy(
  rendered: RenderResult,
  connections: ReadonlyMap<string, MemberConnection>,
  options: {
    timeoutMs: number;
    pollMs?: number;
    instance?: string;
    progress?: NodeJS.WritableStream;
    /** Per cluster, the ids to wait for (what applied); all rendered objects when absent. */
    only?: ReadonlyMap<string, ReadonlySet<string>>;
  },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const status = await readLiveStatus(rendered, connections, { instance: options.instance ?? defaultInstance, now: new Date().toISOString() });
    const pending = pendingObjects(status, options.only);
    if (pending.length === 0) return true;
    if (Date.now() >= deadline) {
      options.progress?.write(`gitfed: still not healthy after ${Math.round(options.timeoutMs / 1000)} s: ${pending.slice(0, 10).join(', ')}\n`);
      return false;
    }
    options.progress?.write(`gitfed: waiting for ${pending.length} object(s) to become Current\n`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
}

/** `cluster:Kind/ns/name (Status)` for objects gitfed holds that are not Current yet. */
export function pendingObjects(status: Record<string, MemberStatus>, only?: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const pending: string[] = [];
  for (const [cluster, member] of Object.entries(status)) {
    if (!member.reachable) continue;
    const wanted = only?.get(cluster);
    for (const object of member.objects) {
      if (only && !wanted?.has(object.id)) continue;
      if (object.propagation && object.propagation !== 'ClusterPropagationOK') continue;
      if (object.health.status !== 'Current') pending.push(`${cluster}:${object.id} (${object.health.status})`);
    }
  }
  return pending;
}
