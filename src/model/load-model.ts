/**
 * Snapshot → Model (pure). Reads the KubeFed documents gitfed understands, validates them and resolves each
 * federated object's target type; everything else is reported and left out. Never throws on bad input: every
 * problem becomes a Diagnostic at a file:line:column, and loading carries on with the next document.
 *
 * Recognised documents:
 * - `KubeFedCluster` (core.kubefed.io/v1beta1) → Cluster;
 * - `FederatedTypeConfig` (core.kubefed.io/v1beta1) → TypeConfig;
 * - `Federated<Kind>` in group types.kubefed.io (any version), and any kind+group a FederatedTypeConfig in the
 *   repo declares as its federatedType → FederatedObject;
 * - `ReplicaSchedulingPreference` (scheduling.kubefed.io/v1alpha1) → ReplicaSchedulingPreference;
 * - `Rollout` (gitfed.io/v1alpha1) → the model's rollout (load-rollout.ts; at most one per repository).
 * Any other document: warning DocumentIgnored. A list (`kind: List`, or `<Kind>List` with `items`, as
 * `kubectl get -o yaml` writes them) counts as its items, each pointing at its own lines; a typed list's items
 * without apiVersion or kind take the list's, as kubectl reads them.
 *
 * Rules, in the order they apply:
 * 1. Duplicates: the same group+kind+namespace+name twice (clusters and type configs: the same name) → the
 *    second is dropped with DuplicateObject, naming the first's file:line. Two type configs for one federated
 *    type count as duplicates too.
 * 2. Schema (schemas.ts): errors drop the document (SchemaInvalid at the field); unknown fields only warn.
 *    Diagnostics about one object carry `resource` (`Kind/namespace/name`), so later stages can tell an object
 *    that is invalid in this revision from one that was deleted, and hold back pruning it.
 * 3. Target type (gitfed decision 2): a FederatedTypeConfig in the repo (matched by federatedType kind+group),
 *    else the ten defaults (spec §2.1), else the template's apiVersion with KubeFed's plural of the kind and
 *    scope Namespaced when the object has metadata.namespace; else UnknownTargetType at the document's `kind`.
 * 4. Scope: objects of a namespaced federated type need metadata.namespace, cluster-scoped ones must not have it.
 * 5. A FederatedNamespace not named after its namespace is ignored with a warning InvalidName (spec §3).
 * Objects whose type has propagation Disabled are kept: the renderer decides what that means.
 * Template annotations and finalizers are left as written: the renderer handles them.
 *
 * `typeConfigs` holds the repo's FederatedTypeConfigs plus the defaults they do not replace; a type inferred
 * from a template lives only on its objects.
 */
import { compareDiagnostics, compareText, error, warning } from './diagnostic.ts';
import type { Diagnostic } from './diagnostic.ts';
import {
  DEFAULT_TYPE_CONFIGS,
  FEDERATED_GROUP,
  federatedScopeOf,
  pluralName,
  typeConfigName,
} from './default-type-configs.ts';
import { listItems } from './list-items.ts';
import { loadRollout } from './load-rollout.ts';
import { nestedOrigin, parseDocuments } from './parse-documents.ts';
import { resourceId, splitApiVersion } from './identity.ts';
import {
  federatedObjectSchema,
  federatedTypeConfigSchema,
  kubeFedClusterSchema,
  replicaSchedulingPreferenceSchema,
  validateDocument,
} from './schemas.ts';
import type { FederatedObjectDocument, LabelSelectorDocument } from './schemas.ts';
import type { Snapshot } from './snapshot.ts';
import type {
  Cluster,
  ClusterOverride,
  ClusterPreference,
  FederatedObject,
  JsonObject,
  JsonValue,
  LabelSelector,
  Model,
  Origin,
  Override,
  Placement,
  ReplicaSchedulingPreference,
  Scope,
  TypeConfig,
} from './types.ts';

export type { Snapshot } from './snapshot.ts';

const KUBEFED_CORE_GROUP = 'core.kubefed.io';
const SCHEDULING_GROUP = 'scheduling.kubefed.io';
const FEDERATED_PREFIX = 'Federated';
const ROLLOUT_GROUP = 'gitfed.io';

/** The fixed-version KubeFed kinds gitfed reads, by kind. */
const FIXED_KINDS: ReadonlyMap<string, { group: string; version: string }> = new Map([
  ['KubeFedCluster', { group: KUBEFED_CORE_GROUP, version: 'v1beta1' }],
  ['FederatedTypeConfig', { group: KUBEFED_CORE_GROUP, version: 'v1beta1' }],
  ['ReplicaSchedulingPreference', { group: SCHEDULING_GROUP, version: 'v1alpha1' }],
  ['Rollout', { group: ROLLOUT_GROUP, version: 'v1alpha1' }],
]);

/** One YAML document that looks like a Kubernetes object. */
interface Candidate {
  value: Record<string, unknown>;
  origin: Origin;
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  name?: string;
  namespace?: string;
}

export function loadModel(snapshot: Snapshot): Model {
  const diagnostics: Diagnostic[] = [...snapshot.diagnostics];
  const candidates = readCandidates(snapshot, diagnostics);

  const clusterDocuments: Candidate[] = [];
  const typeConfigDocuments: Candidate[] = [];
  const preferenceDocuments: Candidate[] = [];
  const rolloutDocuments: Candidate[] = [];
  const otherDocuments: Candidate[] = [];
  for (const candidate of candidates) {
    const fixed = FIXED_KINDS.get(candidate.kind);
    if (!fixed || candidate.group !== fixed.group) otherDocuments.push(candidate);
    else if (candidate.version !== fixed.version) diagnostics.push(wrongApiVersion(candidate, fixed));
    else if (candidate.kind === 'KubeFedCluster') clusterDocuments.push(candidate);
    else if (candidate.kind === 'FederatedTypeConfig') typeConfigDocuments.push(candidate);
    else if (candidate.kind === 'Rollout') rolloutDocuments.push(candidate);
    else preferenceDocuments.push(candidate);
  }

  const seen = new Map<string, Candidate>();
  const unique = (list: Candidate[], key: (candidate: Candidate) => string): Candidate[] =>
    list.filter((candidate) => {
      if (candidate.name === undefined) return true;
      const id = key(candidate);
      const first = seen.get(id);
      if (!first) {
        seen.set(id, candidate);
        return true;
      }
      diagnostics.push(duplicate(candidate, first));
      return false;
    });
  const byName = (candidate: Candidate) => `${candidate.group}/${candidate.kind}/${candidate.name}`;
  const byNamespacedName = (candidate: Candidate) =>
    `${candidate.group}/${candidate.kind}/${candidate.namespace ?? ''}/${candidate.name}`;

  const repoTypes = loadTypeConfigs(unique(typeConfigDocuments, byName), diagnostics);
  const clusters = unique(clusterDocuments, byName).flatMap((candidate) => loadCluster(candidate, diagnostics));
  const preferences = unique(preferenceDocuments, byNamespacedName).flatMap((candidate) =>
    loadPreference(candidate, diagnostics),
  );

  // A repository FederatedTypeConfig replaces the default of the same name or the same federated type.
  const replaced = new Set(repoTypes.flatMap(({ type }) => [type.name, federatedKey(type.federatedKind, type.federatedGroup)]));
  const defaults = DEFAULT_TYPE_CONFIGS.filter(
    (type) => !replaced.has(type.name) && !replaced.has(federatedKey(type.federatedKind, type.federatedGroup)),
  );
  const resolver = new TypeResolver(repoTypes, defaults);
  const federated = otherDocuments.filter((candidate) => {
    if (resolver.isFederated(candidate)) return true;
    diagnostics.push(ignored(candidate));
    return false;
  });
  const objects = unique(federated, byNamespacedName).flatMap((candidate) =>
    loadFederatedObject(candidate, resolver, diagnostics),
  );

  const rollout = loadRollout(rolloutDocuments, diagnostics);

  const typeConfigs = [...repoTypes.map((entry) => entry.type), ...defaults];
  const customResourceDefinitions = otherDocuments
    .filter((candidate) => candidate.group === 'apiextensions.k8s.io' && candidate.kind === 'CustomResourceDefinition')
    .map(({ value, origin }) => ({ value: value as JsonObject, origin }));

  return {
    revision: snapshot.revision,
    clusters: clusters.sort((a, b) => compareText(a.name, b.name)),
    typeConfigs: typeConfigs.sort((a, b) => compareText(a.name, b.name)),
    objects: objects.sort(
      (a, b) =>
        compareText(a.kind, b.kind) ||
        compareText(a.namespace, b.namespace) ||
        compareText(a.name, b.name) ||
        compareText(a.apiVersion, b.apiVersion),
    ),
    preferences: preferences.sort((a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name)),
    ...(rollout ? { rollout } : {}),
    ...(customResourceDefinitions.length > 0 ? { customResourceDefinitions } : {}),
    diagnostics: diagnostics.sort(compareDiagnostics),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Documents → candidates

function readCandidates(snapshot: Snapshot, diagnostics: Diagnostic[]): Candidate[] {
  const candidates: Candidate[] = [];
  const paths = [...snapshot.files.keys()].sort(compareText);
  for (const file of paths) {
    const parsed = parseDocuments(file, snapshot.files.get(file) ?? '');
    for (const diagnostic of parsed.diagnostics) diagnostics.push(diagnostic);
    for (const { value, origin } of parsed.documents.flatMap(documentsOf)) {
      const candidate = toCandidate(value, origin);
      if (typeof candidate === 'string') diagnostics.push(warning('DocumentIgnored', candidate, at(origin)));
      else candidates.push(candidate);
    }
  }
  return candidates;
}

/** A list document as its items, each with an Origin inside the list; any other document as is. */
function documentsOf(document: { value: JsonValue; origin: Origin }): { value: JsonValue; origin: Origin }[] {
  const items = listItems(document.value);
  if (items === undefined) return [document];
  return items.map((value, index) => ({ value, origin: nestedOrigin(document.origin, ['items', index]) }));
}

/** The candidate, or why the document is not a Kubernetes object. */
function toCandidate(value: JsonValue, origin: Origin): Candidate | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `document ignored: it is ${Array.isArray(value) ? 'a list' : 'a plain value'}, not a Kubernetes object`;
  }
  const { apiVersion, kind, metadata } = value;
  const missing = [typeof apiVersion === 'string' && apiVersion ? '' : 'apiVersion', typeof kind === 'string' && kind ? '' : 'kind']
    .filter(Boolean)
    .join(' and ');
  if (missing || typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return `document ignored: it has no ${missing}, so it is not a Kubernetes object`;
  }
  const candidate: Candidate = { value, origin, apiVersion, ...splitApiVersion(apiVersion), kind };
  if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
    if (typeof metadata.name === 'string') candidate.name = metadata.name;
    if (typeof metadata.namespace === 'string' && metadata.namespace) candidate.namespace = metadata.namespace;
  }
  return candidate;
}

function at(origin: Origin): { file: string; line: number; column: number } {
  return { file: origin.file, line: origin.line, column: origin.column };
}

function idOf(candidate: Candidate, namespaced = true): string {
  return resourceId({
    kind: candidate.kind,
    namespace: namespaced ? candidate.namespace : undefined,
    name: candidate.name ?? '(unnamed)',
  });
}

function ignored(candidate: Candidate): Diagnostic {
  const named = candidate.name ? ` "${candidate.name}"` : '';
  let hint = 'gitfed reads KubeFedCluster, FederatedTypeConfig, Federated<Kind> (types.kubefed.io), ReplicaSchedulingPreference and Rollout (gitfed.io/v1alpha1) documents';
  if (candidate.kind.startsWith(FEDERATED_PREFIX) && candidate.group !== FEDERATED_GROUP) {
    hint = `federated types live in group ${FEDERATED_GROUP} unless a FederatedTypeConfig in the repository declares group ${candidate.group || '""'}`;
  } else if (!candidate.kind.startsWith(FEDERATED_PREFIX)) {
    hint += `; to propagate it to member clusters, put it in spec.template of a ${FEDERATED_PREFIX}${candidate.kind}`;
  }
  return warning('DocumentIgnored', `${candidate.apiVersion} ${candidate.kind}${named} ignored: ${hint}`, {
    ...at(candidate.origin),
    ...(candidate.name ? { resource: idOf(candidate) } : {}),
  });
}

function wrongApiVersion(candidate: Candidate, fixed: { group: string; version: string }): Diagnostic {
  const expected = `${fixed.group}/${fixed.version}`;
  return error('SchemaInvalid', `apiVersion must be ${expected} for ${candidate.kind}, got "${candidate.apiVersion}"`, {
    ...candidate.origin.locate(['apiVersion']),
    field: 'apiVersion',
    ...(candidate.name ? { resource: idOf(candidate) } : {}),
  });
}

function duplicate(candidate: Candidate, first: Candidate): Diagnostic {
  const id = idOf(candidate);
  return error(
    'DuplicateObject',
    `${id} is already declared at ${first.origin.file}:${first.origin.line}; this copy is ignored`,
    { ...candidate.origin.locate(['metadata', 'name']), field: 'metadata.name', resource: id },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// FederatedTypeConfig

interface RepoType {
  type: TypeConfig;
  /** federatedType.scope: the scope of the federated objects themselves. */
  federatedScope: Scope;
}

function federatedKey(kind: string, group: string): string {
  return `${kind}.${group}`;
}

function loadTypeConfigs(candidates: Candidate[], diagnostics: Diagnostic[]): RepoType[] {
  const types: RepoType[] = [];
  const declared = new Map<string, TypeConfig>();
  for (const candidate of candidates) {
    const resource = idOf(candidate, false);
    const { data, diagnostics: found } = validateDocument(federatedTypeConfigSchema, candidate.value, candidate.origin, resource);
    diagnostics.push(...found);
    if (!data) continue;
    const { name } = data.metadata;
    const { targetType, federatedType, propagation } = data.spec;
    // SetFederatedTypeConfigDefaults: plural and group of the target default to the two halves of the name.
    const dot = name.indexOf('.');
    const type: TypeConfig = {
      name,
      target: {
        group: targetType.group || (dot < 0 ? '' : name.slice(dot + 1)),
        version: targetType.version,
        kind: targetType.kind,
        pluralName: targetType.pluralName || (dot < 0 ? name : name.slice(0, dot)),
        scope: targetType.scope,
      },
      federatedKind: federatedType.kind,
      federatedGroup: federatedType.group ?? '',
      federatedVersion: federatedType.version,
      propagation,
      origin: candidate.origin,
    };
    const key = federatedKey(type.federatedKind, type.federatedGroup);
    const first = declared.get(key);
    if (first?.origin) {
      diagnostics.push(error(
        'DuplicateObject',
        `FederatedTypeConfig ${name} declares federated type ${type.federatedKind} (${type.federatedGroup}), already declared by ${first.name} at ${first.origin.file}:${first.origin.line}; this one is ignored`,
        { ...candidate.origin.locate(['spec', 'federatedType', 'kind']), field: 'spec.federatedType.kind', resource },
      ));
      continue;
    }
    declared.set(key, type);
    types.push({ type, federatedScope: federatedType.scope });
  }
  return types;
}

// ---------------------------------------------------------------------------------------------------------------
// Target type resolution (gitfed decision 2)

class TypeResolver {
  readonly #repo = new Map<string, RepoType>();
  readonly #defaults = new Map<string, TypeConfig>();
  readonly #inferred = new Map<string, TypeConfig>();

  constructor(repoTypes: readonly RepoType[], defaults: readonly TypeConfig[]) {
    for (const entry of repoTypes) this.#repo.set(federatedKey(entry.type.federatedKind, entry.type.federatedGroup), entry);
    for (const type of defaults) this.#defaults.set(federatedKey(type.federatedKind, type.federatedGroup), type);
  }

  isFederated(candidate: Candidate): boolean {
    if (this.#repo.has(federatedKey(candidate.kind, candidate.group))) return true;
    return candidate.group === FEDERATED_GROUP && candidate.kind.startsWith(FEDERATED_PREFIX) && candidate.kind.length > FEDERATED_PREFIX.length;
  }

  /** The type and the scope of the federated object itself, or undefined when nothing says what it targets. */
  resolve(candidate: Candidate, template: JsonObject | undefined): { type: TypeConfig; scope: Scope } | undefined {
    const key = federatedKey(candidate.kind, candidate.group);
    const repo = this.#repo.get(key);
    if (repo) return { type: repo.type, scope: repo.federatedScope };
    const builtIn = this.#defaults.get(key);
    if (builtIn) return { type: builtIn, scope: federatedScopeOf(builtIn) };
    return this.#infer(candidate, template);
  }

  #infer(candidate: Candidate, template: JsonObject | undefined): { type: TypeConfig; scope: Scope } | undefined {
    const apiVersion = template?.apiVersion;
    if (typeof apiVersion !== 'string' || !candidate.kind.startsWith(FEDERATED_PREFIX)) return undefined;
    const parts = apiVersion.split('/');
    if (parts.length > 2 || parts.some((part) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(part))) return undefined;
    const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
    const scope: Scope = candidate.namespace ? 'Namespaced' : 'Cluster';
    const kind = candidate.kind.slice(FEDERATED_PREFIX.length);
    const cacheKey = `${candidate.apiVersion}|${candidate.kind}|${apiVersion}|${scope}`;
    let type = this.#inferred.get(cacheKey);
    if (!type) {
      const plural = pluralName(kind);
      type = Object.freeze({
        name: typeConfigName(plural, group),
        target: Object.freeze({ group, version, kind, pluralName: plural, scope }),
        federatedKind: candidate.kind,
        federatedGroup: candidate.group,
        federatedVersion: candidate.version,
        propagation: 'Enabled',
      });
      this.#inferred.set(cacheKey, type);
    }
    return { type, scope };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Federated objects

function loadFederatedObject(candidate: Candidate, resolver: TypeResolver, diagnostics: Diagnostic[]): FederatedObject[] {
  const resource = idOf(candidate);
  const { data, diagnostics: found } = validateDocument(federatedObjectSchema, candidate.value, candidate.origin, resource);
  diagnostics.push(...found);

  const rawSpec = candidate.value.spec;
  const rawTemplate = rawSpec && typeof rawSpec === 'object' && !Array.isArray(rawSpec) ? (rawSpec as JsonObject).template : undefined;
  const template = rawTemplate && typeof rawTemplate === 'object' && !Array.isArray(rawTemplate) ? rawTemplate : undefined;
  const resolved = resolver.resolve(candidate, template);
  if (!resolved) {
    diagnostics.push(error(
      'UnknownTargetType',
      `no target type for ${candidate.kind} (${candidate.apiVersion}): add a FederatedTypeConfig whose federatedType is ${candidate.kind} in group ${candidate.group}, or set spec.template.apiVersion (for example apps/v1)`,
      { ...candidate.origin.locate(['kind']), field: 'kind', resource },
    ));
    return [];
  }
  if (!data) return [];

  const { type, scope } = resolved;
  const { metadata, spec } = data;
  const namespace = metadata.namespace ?? undefined;
  if (scope === 'Namespaced' && !namespace) {
    diagnostics.push(error(
      'SchemaInvalid',
      `metadata.namespace is required: ${candidate.kind} is namespaced`,
      { ...candidate.origin.locate(['metadata', 'namespace']), field: 'metadata.namespace', resource },
    ));
    return [];
  }
  if (scope === 'Cluster' && namespace) {
    diagnostics.push(error(
      'SchemaInvalid',
      `metadata.namespace must not be set: ${candidate.kind} is cluster-scoped`,
      { ...candidate.origin.locate(['metadata', 'namespace']), field: 'metadata.namespace', resource },
    ));
    return [];
  }
  if (type.target.group === '' && type.target.kind === 'Namespace' && namespace !== metadata.name) {
    diagnostics.push(warning(
      'InvalidName',
      `${candidate.kind} "${metadata.name}" in namespace "${namespace}" is ignored: it must be named after its namespace ("${namespace}")`,
      { ...candidate.origin.locate(['metadata', 'name']), field: 'metadata.name', resource },
    ));
    return [];
  }

  const object: FederatedObject = {
    apiVersion: candidate.apiVersion,
    kind: candidate.kind,
    name: metadata.name,
    ...(namespace ? { namespace } : {}),
    labels: { ...(metadata.labels ?? {}) },
    annotations: { ...(metadata.annotations ?? {}) },
    retainReplicas: spec.retainReplicas ?? false,
    type,
    origin: candidate.origin,
  };
  if (spec.template) object.template = spec.template as JsonObject;
  if (has(spec, 'placement')) object.placement = spec.placement ? copyPlacement(spec.placement) : null;
  if (has(spec, 'overrides')) object.overrides = spec.overrides ? spec.overrides.map(copyOverride) : null;
  return [object];
}

type PlacementDocument = NonNullable<FederatedObjectDocument['spec']['placement']>;
type OverrideDocument = NonNullable<FederatedObjectDocument['spec']['overrides']>[number];

function has(object: object, key: string): boolean {
  return Object.hasOwn(object, key);
}

/** Copies only the fields gitfed knows, keeping null and absent apart (spec §1.3). */
function copyPlacement(placement: PlacementDocument): Placement {
  const copy: Placement = {};
  if (has(placement, 'clusters')) copy.clusters = placement.clusters ? placement.clusters.map(({ name }) => ({ name })) : null;
  if (has(placement, 'clusterSelector')) {
    copy.clusterSelector = placement.clusterSelector ? copySelector(placement.clusterSelector) : null;
  }
  return copy;
}

function copySelector(selector: LabelSelectorDocument): LabelSelector {
  const copy: LabelSelector = {};
  if (has(selector, 'matchLabels')) copy.matchLabels = selector.matchLabels ? { ...selector.matchLabels } : null;
  if (has(selector, 'matchExpressions')) {
    copy.matchExpressions = selector.matchExpressions
      ? selector.matchExpressions.map(({ key, operator, values }) => (values ? { key, operator, values: [...values] } : { key, operator }))
      : null;
  }
  return copy;
}

function copyOverride(override: OverrideDocument): Override {
  const copy: Override = { clusterName: override.clusterName };
  if (has(override, 'clusterOverrides')) {
    copy.clusterOverrides = override.clusterOverrides
      ? override.clusterOverrides.map((entry) => {
          const patch: ClusterOverride = { path: entry.path };
          if (typeof entry.op === 'string') patch.op = entry.op;
          if (has(entry, 'value')) patch.value = entry.value as JsonValue;
          return patch;
        })
      : null;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------------
// KubeFedCluster

function loadCluster(candidate: Candidate, diagnostics: Diagnostic[]): Cluster[] {
  const resource = idOf(candidate, false);
  const { data, diagnostics: found } = validateDocument(kubeFedClusterSchema, candidate.value, candidate.origin, resource);
  diagnostics.push(...found);
  if (!data) return [];
  const cluster: Cluster = {
    name: data.metadata.name,
    labels: { ...(data.metadata.labels ?? {}) },
    origin: candidate.origin,
  };
  if (data.metadata.annotations && Object.keys(data.metadata.annotations).length > 0) {
    cluster.annotations = { ...data.metadata.annotations }; // e.g. gitfed.io/allow-mass-deletion
  }
  if (data.spec?.apiEndpoint) cluster.apiEndpoint = data.spec.apiEndpoint;
  if (data.spec?.secretRef?.name) cluster.secretName = data.spec.secretRef.name;
  return [cluster];
}

// ---------------------------------------------------------------------------------------------------------------
// ReplicaSchedulingPreference

function loadPreference(candidate: Candidate, diagnostics: Diagnostic[]): ReplicaSchedulingPreference[] {
  const resource = idOf(candidate);
  const { data, diagnostics: found } = validateDocument(
    replicaSchedulingPreferenceSchema,
    candidate.value,
    candidate.origin,
    resource,
  );
  diagnostics.push(...found);
  if (!data) return [];
  const namespace = data.metadata.namespace;
  if (!namespace) {
    diagnostics.push(error(
      'SchemaInvalid',
      'metadata.namespace is required: a ReplicaSchedulingPreference is namespaced and pairs with the federated object of the same namespace/name',
      { ...candidate.origin.locate(['metadata', 'namespace']), field: 'metadata.namespace', resource },
    ));
    return [];
  }
  const clusters: Record<string, ClusterPreference> = {};
  for (const [name, preference] of Object.entries(data.spec.clusters ?? {})) {
    const copy: ClusterPreference = {};
    if (typeof preference.minReplicas === 'number') copy.minReplicas = preference.minReplicas;
    if (typeof preference.maxReplicas === 'number') copy.maxReplicas = preference.maxReplicas;
    if (typeof preference.weight === 'number') copy.weight = preference.weight;
    clusters[name] = copy;
  }
  return [{
    name: data.metadata.name,
    namespace,
    targetKind: data.spec.targetKind,
    totalReplicas: data.spec.totalReplicas,
    rebalance: data.spec.rebalance ?? false,
    intersectWithClusterSelector: data.spec.intersectWithClusterSelector ?? false,
    clusters,
    origin: candidate.origin,
  }];
}
