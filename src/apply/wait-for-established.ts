/** CustomResourceDefinitions must be Established before objects of their kinds can be applied. */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { GitfedError } from '../model/diagnostic.ts';
import type { KubeObject } from '../model/types.ts';

export async function waitForEstablished(
  client: ClusterClient,
  definitions: readonly KubeObject[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const pending = definitions.filter((object) => object.kind === 'CustomResourceDefinition');
  while (pending.length > 0) {
    const checks = await Promise.all(pending.map(async (definition) => isEstablished(await client.get({ ...definition, name: definition.metadata.name }))));
    for (let index = checks.length - 1; index >= 0; index--) if (checks[index]) pending.splice(index, 1);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const names = pending.map((d) => d.metadata.name).join(', ');
      throw new GitfedError('ApplyFailed', `CustomResourceDefinition ${names} not Established within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s; objects of its kinds cannot be applied`, { cluster: client.cluster });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

function isEstablished(object: KubeObject | null): boolean {
  const conditions = (object?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True');
}
