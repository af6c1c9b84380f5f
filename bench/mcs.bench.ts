/**
 * Multi-Cluster Services benchmark (issue 16): endpoint-change propagation latency from an exporting member to
 * every importing member, with the real controller (src/mcs/mcs-controller.ts) on a lab of 3 members and 100
 * services exported from member1 and member2 (Services without selectors whose EndpointSlices the benchmark
 * writes, so a change is one write at a known time). Each sample changes one endpoint of one service in member1 and
 * times, through a watch on every member's imported EndpointSlices, until all 3 members hold the new address.
 *
 *   npm run bench:mcs [-- --lab DIR --services 100 --samples 40]
 *
 * Prints p50/p95/max of that latency and of the controller's own figure (watch event → imports written).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { parse } from 'yaml';
import type { ClusterClient } from '../src/cluster/cluster-client.ts';
import { closeMembers, connectMembers } from '../src/cluster/connect-members.ts';
import { startLab } from '../src/lab/index.ts';
import { createMcsController } from '../src/mcs/mcs-controller.ts';
import type { KubeObject } from '../src/model/types.ts';

const { values } = parseArgs({ options: { lab: { type: 'string' }, services: { type: 'string', default: '100' }, samples: { type: 'string', default: '40' } } });
const serviceCount = Number(values.services);
const sampleCount = Number(values.samples);
const labDir = values.lab ?? process.env.GITFED_E2E_LAB_DIR ?? join(import.meta.dirname, '..', '.lab', 'bench-mcs');
const logger = pino({ level: process.env.GITFED_LOG_LEVEL ?? 'silent' });
const namespace = `bench-mcs-${Date.now().toString(36)}`;
const exporters = ['member1', 'member2'];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function slice(service: string, addresses: readonly string[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-local`, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'bench' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
  };
}

async function main(): Promise<void> {
  const { info } = await startLab({ dir: labDir }, { env: process.env, logger });
  const names = info.members.map((member) => member.name).slice(0, 3);
  const connections = await connectMembers(names, { kubeconfig: info.kubeconfig }, { logger });
  const clients = new Map<string, ClusterClient>();
  for (const [name, connection] of connections) if (!('unavailable' in connection)) clients.set(name, connection);
  const crdDir = (await promisify(execFile)(join(import.meta.dirname, '..', 'lab', 'fetch-crds.sh'), ['--mcs'])).stdout.trim().split('\n').at(-1)!;
  const crds = await Promise.all(['multicluster.x-k8s.io_serviceexports.yaml', 'multicluster.x-k8s.io_serviceimports.yaml'].map(async (f) => parse(await readFile(join(crdDir, f), 'utf8')) as KubeObject));

  const services = Array.from({ length: serviceCount }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const setupStarted = performance.now();
  for (const client of clients.values()) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: 'bench' });
  await Promise.all(exporters.map(async (member, m) => {
    const client = clients.get(member)!;
    for (const service of services) {
      await client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } }, { fieldManager: 'bench' });
      await client.apply(slice(service, [`10.${m + 1}.0.1`, `10.${m + 1}.0.2`]), { fieldManager: 'bench' });
      await client.apply({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: service, namespace } }, { fieldManager: 'bench' });
    }
  }));

  const propagation: number[] = [];
  const controller = createMcsController(
    { instance: 'bench-mcs', clusterSet: 'bench', resyncMs: 3_600_000, crds },
    {
      members: () => clients,
      logger,
      now: () => new Date(),
      metrics: {
        exports: { set: () => undefined },
        imports: { set: () => undefined },
        typeNotServed: { set: () => undefined },
        failures: { inc: (labels) => console.error(`failure: ${labels.cluster} ${labels.stage}`) },
        propagation: { observe: (seconds) => propagation.push(seconds * 1000) },
      },
    },
  );

  // Every member's imported slices, watched: address → when each member first held it.
  const seen = new Map<string, Map<string, number>>();
  const watches = [...clients].map(([member, client]) =>
    client.watch!('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: 'multicluster.kubernetes.io/service-name' }, (event) => {
      const at = performance.now();
      for (const endpoint of (event.object.endpoints ?? []) as { addresses: string[] }[]) {
        for (const address of endpoint.addresses) {
          const byMember = seen.get(address) ?? new Map<string, number>();
          if (!byMember.has(member)) byMember.set(member, at);
          seen.set(address, byMember);
        }
      }
    }),
  );
  const heldEverywhere = (address: string) => (seen.get(address)?.size ?? 0) === clients.size;
  const until = async (what: string, check: () => boolean, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };

  controller.start();
  const importStarted = performance.now();
  await until('first imports everywhere', () => heldEverywhere('10.1.0.1') && heldEverywhere('10.2.0.1'), 120_000);
  await controller.idle();
  const firstImport = performance.now() - importStarted;
  propagation.length = 0;

  const latencies: number[] = [];
  for (let i = 0; i < sampleCount; i++) {
    const service = services[(i * 37) % services.length]!;
    const address = `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const changed = performance.now();
    await clients.get('member1')!.apply(slice(service, ['10.1.0.1', address]), { fieldManager: 'bench' });
    await until(`${address} of ${service} in every member`, () => heldEverywhere(address), 30_000);
    latencies.push(Math.max(...seen.get(address)!.values()) - changed);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  for (const watch of watches) watch.stop();
  await controller.close();
  await Promise.all([...clients.values()].map((client) => client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined)));
  await closeMembers(connections);

  const sorted = [...latencies].sort((a, b) => a - b);
  const internal = [...propagation].sort((a, b) => a - b);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(`mcs propagation: ${clients.size} members, ${serviceCount} services exported from ${exporters.join(' and ')} (setup ${ms(importStarted - setupStarted)}, first full import ${ms(firstImport)})`);
  console.log(`  endpoint change in member1 → held by all ${clients.size} members (${sorted.length} samples): p50 ${ms(percentile(sorted, 50))}  p95 ${ms(percentile(sorted, 95))}  max ${ms(sorted.at(-1) ?? NaN)}`);
  console.log(`  controller (watch event → imports written, ${internal.length} passes): p50 ${ms(percentile(internal, 50))}  p95 ${ms(percentile(internal, 95))}`);
}

await main();
