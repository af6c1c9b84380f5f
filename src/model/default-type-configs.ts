/**
 * The ten FederatedTypeConfigs KubeFed v0.10 installs by default (spec §2.1), and KubeFed's pluralisation rule
 * (spec §1.1). A FederatedTypeConfig in the repository wins over these (gitfed decision 2).
 */
import type { Scope, TypeConfig } from './types.ts';

export const FEDERATED_GROUP = 'types.kubefed.io';
export const FEDERATED_VERSION = 'v1beta1';

/**
 * KubeFed's PluralName (`federatedtypeconfig_types.go`): lowercase the kind; after s, x, ch, sh, z or o append
 * `es`; after y replace the y with `ies`; else append `s`. Kept exactly, quirks included (`Gateway` → `gatewaies`).
 */
export function pluralName(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh|z|o)$/.test(lower)) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** `<plural>.<group>`, or `<plural>` for the core group (spec §1.1 GroupQualifiedName). */
export function typeConfigName(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

function defaultType(group: string, version: string, kind: string, scope: Scope): TypeConfig {
  const plural = pluralName(kind);
  return Object.freeze({
    name: typeConfigName(plural, group),
    target: Object.freeze({ group, version, kind, pluralName: plural, scope }),
    federatedKind: `Federated${kind}`,
    federatedGroup: FEDERATED_GROUP,
    federatedVersion: FEDERATED_VERSION,
    propagation: 'Enabled',
  });
}

/** Sorted by name. Frozen: models share these objects. */
export const DEFAULT_TYPE_CONFIGS: readonly TypeConfig[] = Object.freeze([
  defaultType('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'Cluster'),
  defaultType('', 'v1', 'ConfigMap', 'Namespaced'),
  defaultType('apps', 'v1', 'Deployment', 'Namespaced'),
  defaultType('networking.k8s.io', 'v1', 'Ingress', 'Namespaced'),
  defaultType('batch', 'v1', 'Job', 'Namespaced'),
  defaultType('', 'v1', 'Namespace', 'Cluster'),
  defaultType('apps', 'v1', 'ReplicaSet', 'Namespaced'),
  defaultType('', 'v1', 'Secret', 'Namespaced'),
  defaultType('', 'v1', 'ServiceAccount', 'Namespaced'),
  defaultType('', 'v1', 'Service', 'Namespaced'),
]);

/**
 * Scope of the federated type itself: the target's scope, except that FederatedNamespace is namespaced while
 * Namespace is cluster-scoped (spec §1.1). FederatedTypeConfigs in the repo state it in `federatedType.scope`.
 */
export function federatedScopeOf(type: TypeConfig): Scope {
  return type.target.group === '' && type.target.kind === 'Namespace' ? 'Namespaced' : type.target.scope;
}
