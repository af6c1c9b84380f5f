/**
 * Target types gitfed knows by name (pure): the ten KubeFed defaults (spec §2.1) plus common built-ins, how a
 * name given on the command line resolves to one of them (KubeFed's NameMatchesResource: plural, singular, kind,
 * `plural.group` or a short name, case-insensitive; a core-group match wins), and the FederatedTypeConfig KubeFed's
 * `kubefedctl enable` generated for a target (spec §1.1, `enable.go` GenerateTypeConfigForTarget).
 */
import { GitfedError } from '../model/diagnostic.ts';
import {
  DEFAULT_TYPE_CONFIGS,
  FEDERATED_GROUP,
  FEDERATED_VERSION,
  federatedScopeOf,
  pluralName,
  typeConfigName,
} from '../model/default-type-configs.ts';
import type { JsonObject, Scope, TargetType, TypeConfig } from '../model/types.ts';

export interface KnownTargetType extends TargetType {
  shortNames: readonly string[];
}

function known(group: string, version: string, kind: string, scope: Scope, plural: string, shortNames: string[] = []): KnownTargetType {
  return Object.freeze({ group, version, kind, pluralName: plural, scope, shortNames: Object.freeze(shortNames) });
}

/** Sorted by `plural.group`. Short names are the ones kube-apiserver reports. */
export const KNOWN_TARGET_TYPES: readonly KnownTargetType[] = Object.freeze([
  known('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'Cluster', 'clusterrolebindings'),
  known('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'Cluster', 'clusterroles'),
  known('', 'v1', 'ConfigMap', 'Namespaced', 'configmaps', ['cm']),
  known('batch', 'v1', 'CronJob', 'Namespaced', 'cronjobs', ['cj']),
  known('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'Cluster', 'customresourcedefinitions', ['crd', 'crds']),
  known('apps', 'v1', 'DaemonSet', 'Namespaced', 'daemonsets', ['ds']),
  known('apps', 'v1', 'Deployment', 'Namespaced', 'deployments', ['deploy']),
  known('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'Namespaced', 'horizontalpodautoscalers', ['hpa']),
  known('networking.k8s.io', 'v1', 'Ingress', 'Namespaced', 'ingresses', ['ing']),
  known('batch', 'v1', 'Job', 'Namespaced', 'jobs'),
  known('', 'v1', 'LimitRange', 'Namespaced', 'limitranges', ['limits']),
  known('', 'v1', 'Namespace', 'Cluster', 'namespaces', ['ns']),
  known('networking.k8s.io', 'v1', 'NetworkPolicy', 'Namespaced', 'networkpolicies', ['netpol']),
  known('', 'v1', 'PersistentVolumeClaim', 'Namespaced', 'persistentvolumeclaims', ['pvc']),
  known('policy', 'v1', 'PodDisruptionBudget', 'Namespaced', 'poddisruptionbudgets', ['pdb']),
  known('scheduling.k8s.io', 'v1', 'PriorityClass', 'Cluster', 'priorityclasses', ['pc']),
  known('apps', 'v1', 'ReplicaSet', 'Namespaced', 'replicasets', ['rs']),
  known('', 'v1', 'ResourceQuota', 'Namespaced', 'resourcequotas', ['quota']),
  known('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'Namespaced', 'rolebindings'),
  known('rbac.authorization.k8s.io', 'v1', 'Role', 'Namespaced', 'roles'),
  known('', 'v1', 'Secret', 'Namespaced', 'secrets'),
  known('', 'v1', 'ServiceAccount', 'Namespaced', 'serviceaccounts', ['sa']),
  known('', 'v1', 'Service', 'Namespaced', 'services', ['svc']),
  known('apps', 'v1', 'StatefulSet', 'Namespaced', 'statefulsets', ['sts']),
  known('storage.k8s.io', 'v1', 'StorageClass', 'Cluster', 'storageclasses', ['sc']),
]);

/** What a resource name is matched against (KubeFed's NameMatchesResource). */
export interface NamedResource {
  group: string;
  kind: string;
  pluralName: string;
  /** Lowercase kind when the API does not say. */
  singularName?: string;
  shortNames?: readonly string[];
}

export function nameMatchesResource(name: string, resource: NamedResource): boolean {
  const wanted = name.toLowerCase();
  const singular = resource.singularName || resource.kind.toLowerCase();
  return (
    wanted === resource.pluralName ||
    wanted === singular ||
    wanted === resource.kind.toLowerCase() ||
    wanted === typeConfigName(resource.pluralName, resource.group) ||
    (resource.shortNames ?? []).some((short) => short.toLowerCase() === wanted)
  );
}

/**
 * The one resource `name` means. A core-group match wins over others (KubeFed's enable); several non-core matches
 * are a UsageError asking for the group-qualified plural. Undefined when nothing matches.
 */
export function pickResource<T extends NamedResource>(name: string, resources: readonly T[]): T | undefined {
  const matches = resources.filter((resource) => nameMatchesResource(name, resource));
  const core = matches.filter((resource) => resource.group === '');
  if (core.length === 1) return core[0];
  const candidates = core.length > 1 ? core : matches;
  if (candidates.length > 1) {
    const names = candidates.map((r) => typeConfigName(r.pluralName, r.group)).sort();
    throw new GitfedError('UsageError', `"${name}" matches several resources: ${names.join(', ')}; give the group-qualified plural`);
  }
  return candidates[0];
}

/** A known target type by name, or undefined. */
export function findKnownTargetType(name: string): KnownTargetType | undefined {
  return pickResource(name, KNOWN_TARGET_TYPES);
}

export interface FederatedTypeOptions {
  federatedGroup?: string | undefined;
  federatedVersion?: string | undefined;
}

/**
 * The TypeConfig KubeFed's enable generates for a target: `Federated<Kind>` in types.kubefed.io/v1beta1 (or the
 * given group and version), named `<plural>.<group>`, propagation Enabled.
 */
export function typeConfigForTarget(target: TargetType, options: FederatedTypeOptions = {}): TypeConfig {
  return {
    name: typeConfigName(target.pluralName, target.group),
    target: { group: target.group, version: target.version, kind: target.kind, pluralName: target.pluralName, scope: target.scope },
    federatedKind: `Federated${target.kind}`,
    federatedGroup: options.federatedGroup || FEDERATED_GROUP,
    federatedVersion: options.federatedVersion || FEDERATED_VERSION,
    propagation: 'Enabled',
  };
}

/** The default FederatedTypeConfig of that name (spec §2.1), if it is one. */
export function defaultTypeConfig(name: string): TypeConfig | undefined {
  return DEFAULT_TYPE_CONFIGS.find((type) => type.name === name);
}

/** `core.kubefed.io/v1beta1` FederatedTypeConfig in the KubeFed system namespace, fields in KubeFed's order. */
export function typeConfigDocument(type: TypeConfig, propagation: 'Enabled' | 'Disabled' = type.propagation): JsonObject {
  const resource = (group: string, version: string, kind: string, plural: string, scope: Scope): JsonObject => ({
    ...(group ? { group } : {}),
    kind,
    pluralName: plural,
    scope,
    version,
  });
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'FederatedTypeConfig',
    metadata: { name: type.name, namespace: 'kube-federation-system' },
    spec: {
      federatedType: resource(type.federatedGroup, type.federatedVersion, type.federatedKind, pluralName(type.federatedKind), federatedScopeOf(type)),
      propagation,
      targetType: resource(type.target.group, type.target.version, type.target.kind, type.target.pluralName, type.target.scope),
    },
  };
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
