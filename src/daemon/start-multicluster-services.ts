/**
 * `--multicluster-services`: starts the Multi-Cluster Services controller (src/mcs/) beside the reconcile loop.
 * The ClusterSet is every Ready member (or those `--clusterset-selector` matches, by their KubeFedCluster labels);
 * `--install-mcs-crds DIR` reads the mcs-api CRD manifests from DIR once at startup. The controller's summary goes
 * into the next report (a summary change asks for a reconcile so the report follows).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { createMcsController, type McsController } from '../mcs/mcs-controller.ts';
import { GitfedError } from '../model/diagnostic.ts';
import type { Cluster, KubeObject } from '../model/types.ts';
import { matchesSelector } from '../render/select-clusters.ts';
import type { DaemonConfig } from './config.ts';
import type { MemberPool } from './member-pool.ts';
import type { DaemonMetrics } from './metrics.ts';

export async function startMulticlusterServices(
  config: DaemonConfig,
  deps: { logger: Logger; metrics: DaemonMetrics; members: MemberPool; clusters: () => readonly Cluster[] | undefined; onSummaryChange: () => void; resyncMs: number },
): Promise<McsController> {
  const selector = parseClusterSetSelector(config.clustersetSelector);
  const crds = config.installMcsCrds ? await readCrds(config.installMcsCrds) : undefined;
  const controller = createMcsController(
    { instance: config.instance, clusterSet: config.clustersetName, resyncMs: deps.resyncMs, ...(crds ? { crds } : {}) },
    {
      members: () => {
        const labels = new Map((deps.clusters() ?? []).map((cluster) => [cluster.name, cluster.labels]));
        const ready = new Set(deps.members.ready());
        const out = new Map<string, ClusterClient>();
        for (const [name, connection] of deps.members.connections()) {
          if ('unavailable' in connection || !ready.has(name)) continue;
          if (selector && !matchesSelector({ matchLabels: selector }, labels.get(name) ?? {})) continue;
          out.set(name, connection);
        }
        return out;
      },
      logger: deps.logger,
      metrics: {
        exports: deps.metrics.mcsExports,
        imports: deps.metrics.mcsImports,
        typeNotServed: deps.metrics.mcsTypeNotServed,
        failures: deps.metrics.mcsFailures,
        propagation: deps.metrics.mcsPropagation,
      },
      now: () => new Date(),
      onSummaryChange: deps.onSummaryChange,
    },
  );
  return controller;
}

/** `env=prod,tier=web` → matchLabels; anything else is a usage error that names the flag. */
export function parseClusterSetSelector(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z0-9._/-]+)\s*=\s*([A-Za-z0-9._-]*)\s*$/.exec(part);
    if (!match) throw new GitfedError('UsageError', `--clusterset-selector: "${part}" is not a key=value pair (e.g. --clusterset-selector env=prod,region=eu)`);
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

/** Every CustomResourceDefinition in the directory's YAML files. */
async function readCrds(dir: string): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
  const crds: KubeObject[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const object = document.toJS() as KubeObject | null;
      if (object?.kind === 'CustomResourceDefinition') crds.push(object);
    }
  }
  if (crds.length === 0) throw new GitfedError('UsageError', `--install-mcs-crds: ${dir} holds no CustomResourceDefinition (fetch them with lab/fetch-crds.sh --mcs)`);
  return crds;
}
