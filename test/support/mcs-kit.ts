/**
 * Multi-Cluster Services on lab members, for the `--multicluster-services` e2e tests: the real ServiceExport and
 * ServiceImport CRDs (fetched from sigs.k8s.io/mcs-api's Go module by lab/fetch-crds.sh into a cache outside the
 * repository), installed into or removed from a member, and reads of what the controller wrote.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { ClusterClient } from '../../src/cluster/cluster-client.ts';
import type { KubeObject } from '../../src/model/types.ts';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
export const mcsCrdFiles = ['multicluster.x-k8s.io_serviceexports.yaml', 'multicluster.x-k8s.io_serviceimports.yaml'];

/** The directory of the cached MCS CRDs (fetched on first use; fails, never skips, when Go cannot fetch them). */
export async function mcsCrdDir(): Promise<string> {
  return (await run(join(repoRoot, 'lab', 'fetch-crds.sh'), ['--mcs'])).stdout.trim().split('\n').at(-1) ?? '';
}

export async function mcsCrds(): Promise<KubeObject[]> {
  const dir = await mcsCrdDir();
  return Promise.all(mcsCrdFiles.map(async (file) => parse(await readFile(join(dir, file), 'utf8')) as KubeObject));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function served(client: ClusterClient): Promise<boolean> {
  client.invalidateDiscovery();
  const kinds = await Promise.all(['ServiceExport', 'ServiceImport'].map((kind) => client.scopeOf('multicluster.x-k8s.io/v1beta1', kind)));
  return kinds.every((scope) => scope !== null);
}

export async function installMcsCrds(client: ClusterClient): Promise<void> {
  for (const crd of await mcsCrds()) await client.apply(crd, { force: true, fieldManager: 'e2e-mcs' });
  await until(`the MCS CRDs served by ${client.cluster}`, () => served(client));
}

/** Removes the CRDs (and with them every ServiceExport and ServiceImport) from the member. */
export async function removeMcsCrds(client: ClusterClient): Promise<void> {
  for (const crd of await mcsCrds()) await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crd.metadata.name });
  await until(`the MCS CRDs gone from ${client.cluster}`, async () => !(await served(client)));
}

/** The imported EndpointSlices in `namespace` for `service`, by source cluster: the ready addresses, sorted. */
export async function importedEndpoints(client: ClusterClient, namespace: string, service: string): Promise<Record<string, string[]>> {
  const slices = await client.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: `multicluster.kubernetes.io/service-name=${service}` });
  const out: Record<string, string[]> = {};
  for (const slice of slices) {
    const source = slice.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? '';
    const addresses = ((slice.endpoints ?? []) as { addresses: string[] }[]).flatMap((endpoint) => endpoint.addresses);
    out[source] = [...(out[source] ?? []), ...addresses].sort();
  }
  return out;
}

/** The ready addresses of the member's own EndpointSlices for `service`, sorted. */
export async function localEndpoints(client: ClusterClient, namespace: string, service: string): Promise<string[]> {
  const slices = await client.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: `kubernetes.io/service-name=${service}` });
  return slices
    .flatMap((slice) => (slice.endpoints ?? []) as { addresses: string[]; conditions?: { ready?: boolean } }[])
    .filter((endpoint) => endpoint.conditions?.ready !== false)
    .flatMap((endpoint) => endpoint.addresses)
    .sort();
}
