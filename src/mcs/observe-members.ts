/**
 * Reads what the multicluster-services controller needs from each member of the ClusterSet (effect): whether it
 * serves the MCS API (installing the CRDs first when asked to), its ServiceExports, the Services and local
 * EndpointSlices they name, and the imports it holds (every ServiceImport, the imported EndpointSlices and
 * ClusterProperties), one list request per kind.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { multiclusterImportLabel } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import {
  clusterPropertyApiVersion,
  clusterPropertyKind,
  endpointSliceApiVersion,
  localServiceNameLabel,
  mcsApiVersion,
  serviceExportKind,
  serviceImportKind,
  serviceNameLabel,
} from './mcs-api.ts';
import type { MemberObservation } from './plan-imports.ts';

export interface ObservedMember extends MemberObservation {
  /** What the member holds that imports could collide with or that gitfed wrote before. */
  live: KubeObject[];
}

export interface ObserveOptions {
  instance: string;
  /** CRD manifests to install into a member that does not serve the MCS API (`--install-mcs-crds`). */
  crds?: readonly KubeObject[];
  fieldManager: string;
}

export async function observeMember(client: ClusterClient, options: ObserveOptions): Promise<ObservedMember> {
  let served = await servesMcs(client);
  if (!served && options.crds && options.crds.length > 0) {
    await installCrds(client, options.crds, options.fieldManager);
    served = await servesMcs(client);
  }
  const clusterPropertyServed = (await client.scopeOf(clusterPropertyApiVersion, clusterPropertyKind)) !== null;
  const base = { cluster: client.cluster, served, clusterPropertyServed };
  if (!served) return { ...base, exports: [], services: [], endpointSlices: [], live: [] };
  const [exports, imports, importedSlices, properties] = await Promise.all([
    client.list(mcsApiVersion, serviceExportKind),
    client.list(mcsApiVersion, serviceImportKind),
    client.list(endpointSliceApiVersion, 'EndpointSlice', { labelSelector: serviceNameLabel }),
    clusterPropertyServed ? client.list(clusterPropertyApiVersion, clusterPropertyKind, { labelSelector: `${multiclusterImportLabel}=${options.instance}` }) : Promise.resolve([]),
  ]);
  const names = new Set(exports.map((exported) => `${exported.metadata.namespace}/${exported.metadata.name}`));
  const named = (object: KubeObject, name: string | undefined) => names.has(`${object.metadata.namespace}/${name}`);
  const [services, slices] = exports.length === 0
    ? [[], []]
    : await Promise.all([
      client.list('v1', 'Service'),
      client.list(endpointSliceApiVersion, 'EndpointSlice', { labelSelector: localServiceNameLabel }),
    ]);
  return {
    ...base,
    exports,
    services: services.filter((service) => named(service, service.metadata.name)),
    endpointSlices: slices.filter((slice) => named(slice, slice.metadata.labels?.[localServiceNameLabel])),
    live: [...imports, ...importedSlices, ...properties],
  };
}

async function servesMcs(client: ClusterClient): Promise<boolean> {
  const [exports, imports] = await Promise.all([client.scopeOf(mcsApiVersion, serviceExportKind), client.scopeOf(mcsApiVersion, serviceImportKind)]);
  return exports !== null && imports !== null;
}

/** Applies the CRDs and waits (up to 30 s) until the member serves them. */
async function installCrds(client: ClusterClient, crds: readonly KubeObject[], fieldManager: string): Promise<void> {
  for (const crd of crds) await client.apply(crd, { fieldManager });
  const deadline = Date.now() + 30_000;
  for (;;) {
    client.invalidateDiscovery();
    if (await servesMcs(client)) return;
    if (Date.now() > deadline) throw new Error(`the MCS CRDs were applied to ${client.cluster} but are not served after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
