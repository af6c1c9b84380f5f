/**
 * The renderer: federated objects + member clusters → exactly what each member must hold.
 * Pure and synchronous; same model in, byte-identical result out. Problems are collected per object and per
 * cluster and never stop the others (STYLE habit 9).
 */
import { compareDiagnostics, error, warning, type Diagnostic } from '../model/diagnostic.ts';
import { defaultInstance } from '../model/marks.ts';
import { resourceId } from '../model/identity.ts';
import type { ClusterOverride, FederatedObject, FieldPath, KubeObject, Model, ReplicaSchedulingPreference } from '../model/types.ts';
import { applyOverrides, overridesFor, validateOverrides } from './apply-overrides.ts';
import { buildBaseObject, markObject } from './build-object.ts';
import { compareObjects } from './order-objects.ts';
import { scheduleReplicas, type ReplicaSplit } from './schedule-replicas.ts';
import { serviceExportsFor } from './service-export.ts';
import { selectClusters, sortedText } from './select-clusters.ts';

export interface RenderOptions {
  /** Names the gitfed instance in the ownership annotation. Default `gitfed`. */
  instance?: string;
  /** Clusters the RSP planner may use (the Ready ones, in the daemon). Default: every declared cluster. */
  availableClusters?: readonly string[];
}

export interface RenderResult {
  revision: string | null;
  /** Every declared cluster, sorted by name, with its objects in apply order. Objects are read-only. */
  clusters: Record<string, KubeObject[]>;
  /** The model's diagnostics plus the renderer's, sorted. */
  diagnostics: Diagnostic[];
  /** RSP splits, sorted by preference. */
  replicas: ReplicaSplit[];
  /**
   * `group/Kind` of target types whose FederatedTypeConfig says propagation: Disabled, sorted. Like KubeFed with
   * that type's controller stopped, apply neither applies nor prunes anything of these kinds.
   */
  disabledKinds?: string[];
  /** The federated object, and the override entry when one applied, each member object came from (validation). */
  sources?: Map<KubeObject, ObjectSource>;
}

export interface ObjectSource {
  federated: FederatedObject;
  /** The cluster's override entry (`spec.overrides[i]`) and its ops, when it had any. */
  overrides?: { field: FieldPath; ops: readonly ClusterOverride[] };
}

/** Namespaces KubeFed never propagates as Namespace objects (spec §3). */
const reservedNamespaces = new Set(['kube-system', 'kube-public', 'default', 'kube-federation-system']);

export function render(model: Model, options: RenderOptions = {}): RenderResult {
  const instance = options.instance ?? defaultInstance;
  const clusterNames = model.clusters.map((cluster) => cluster.name);
  const available = sortedText(options.availableClusters ?? clusterNames);
  const perCluster = new Map<string, KubeObject[]>(clusterNames.map((name) => [name, []]));
  const diagnostics: Diagnostic[] = [...model.diagnostics];
  const replicas: ReplicaSplit[] = [];
  const sources = new Map<KubeObject, ObjectSource>();

  const federatedNamespaces = new Map<string, FederatedObject>();
  for (const object of model.objects) {
    if (object.type.target.kind === 'Namespace' && object.namespace) federatedNamespaces.set(object.namespace, object);
  }
  const preferences = new Map<string, ReplicaSchedulingPreference>();
  for (const preference of model.preferences) {
    preferences.set(`${preference.targetKind}/${preference.namespace}/${preference.name}`, preference);
  }

  for (const federated of model.objects) {
    const id = targetId(federated);
    const where = { file: federated.origin.file, resource: id };
    if (federated.type.propagation === 'Disabled') {
      diagnostics.push(
        warning('TypeDisabled', `${federated.kind} is disabled (FederatedTypeConfig ${federated.type.name}): not propagated`, {
          ...where,
          ...position(federated, ['kind']),
        }),
      );
      continue;
    }

    let { placement, overrides } = federated;
    const preference = preferences.get(`${federated.kind}/${federated.namespace}/${federated.name}`);
    if (preference) {
      const scheduled = scheduleReplicas(federated, preference, {
        clusters: model.clusters,
        availableClusters: available,
        federatedNamespace: federated.namespace ? federatedNamespaces.get(federated.namespace) : undefined,
      });
      ({ placement, overrides } = scheduled);
      if (scheduled.split) {
        replicas.push({
          preference: `${preference.namespace}/${preference.name}`,
          target: resourceId(federated),
          totalReplicas: preference.totalReplicas,
          clusters: scheduled.split,
        });
      }
    }

    const selection = selectClusters(placement, model.clusters);
    for (const unknown of selection.unknown) {
      diagnostics.push(
        warning('UnknownPlacementCluster', `placement names cluster "${unknown}", which no KubeFedCluster declares; it is ignored`, {
          ...where,
          ...position(federated, ['spec', 'placement', 'clusters']),
        }),
      );
    }
    let placed = selection.names;

    const isNamespace = federated.type.target.kind === 'Namespace';
    if (!isNamespace && federated.type.target.scope === 'Namespaced' && federated.namespace) {
      const namespaceObject = federatedNamespaces.get(federated.namespace);
      if (!namespaceObject) {
        diagnostics.push(
          warning(
            'NamespaceNotFederated',
            `namespace "${federated.namespace}" has no FederatedNamespace, so ${id} is placed nowhere; add a FederatedNamespace ${federated.namespace}/${federated.namespace}`,
            { ...where, ...position(federated, ['metadata', 'namespace']) },
          ),
        );
        placed = [];
      } else {
        const namespacePlacement = new Set(selectClusters(namespaceObject.placement, model.clusters).names);
        placed = placed.filter((name) => namespacePlacement.has(name));
      }
    }
    if (isNamespace && reservedNamespaces.has(federated.name)) continue;
    if (placed.length === 0) continue;

    const problems = validateOverrides(overrides);
    if (problems.length > 0) {
      // KubeFed validates the whole list: one bad entry blocks the object in every cluster (spec §1.4).
      for (const cluster of placed) {
        for (const problem of problems) {
          diagnostics.push(
            error('ApplyOverridesFailed', problem.message, { ...where, cluster, ...position(federated, problem.field) }),
          );
        }
      }
      continue;
    }

    const base = buildBaseObject(federated);
    if (base.droppedFinalizers) {
      diagnostics.push(
        warning('FinalizersNotSupported', 'template metadata.finalizers are not propagated (as in KubeFed); they were dropped', {
          ...where,
          ...position(federated, ['spec', 'template', 'metadata', 'finalizers']),
        }),
      );
    }
    let unpatched: KubeObject | undefined;
    const exported = serviceExportsFor(federated, instance);
    for (const cluster of placed) {
      const { ops, field } = overridesFor(overrides, cluster);
      if (ops.length === 0) {
        // Clusters without overrides share one object: it is read-only from here on.
        if (!unpatched) sources.set((unpatched = markObject(base.object, federated, { instance })), { federated });
        perCluster.get(cluster)?.push(unpatched, ...exported);
        continue;
      }
      const patched = applyOverrides(base.object, ops);
      if (!patched.ok) {
        diagnostics.push(
          error('ApplyOverridesFailed', patched.message, {
            ...where,
            cluster,
            ...position(federated, [...field, 'clusterOverrides', patched.index, 'path']),
          }),
        );
        continue;
      }
      const marked = markObject(patched.object, federated, { instance });
      sources.set(marked, { federated, overrides: { field, ops } });
      perCluster.get(cluster)?.push(marked, ...exported);
    }
  }

  const clusters: Record<string, KubeObject[]> = {};
  for (const name of sortedText(clusterNames)) clusters[name] = (perCluster.get(name) ?? []).sort(compareObjects);
  return {
    revision: model.revision,
    clusters,
    diagnostics: diagnostics.sort(compareDiagnostics),
    sources,
    replicas: replicas.sort((a, b) => (a.preference < b.preference ? -1 : a.preference > b.preference ? 1 : 0)),
    disabledKinds: sortedText(
      new Set(model.typeConfigs.filter((type) => type.propagation === 'Disabled').map((type) => `${type.target.group}/${type.target.kind}`)),
    ),
  };
}

/** The id of what the object becomes in members: `Deployment/shop/web`. */
export function targetId(federated: FederatedObject): string {
  const namespaced = federated.type.target.kind !== 'Namespace' && federated.type.target.scope === 'Namespaced';
  return resourceId({
    kind: federated.type.target.kind,
    namespace: namespaced ? federated.namespace : undefined,
    name: federated.name,
  });
}

function position(federated: FederatedObject, path: readonly (string | number)[]) {
  const { line, column } = federated.origin.locate(path);
  return { line, column, field: fieldName(path) };
}

/** `spec.overrides[0].clusterOverrides[1].path` */
export function fieldName(path: readonly (string | number)[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}
