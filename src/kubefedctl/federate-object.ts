/**
 * `kubefedctl federate` as a pure function (spec §8; KubeFed `federate/federate.go`
 * FederatedResourceFromTargetResource, `federate/util.go` RemoveUnwantedFields): a Kubernetes object in, the
 * `Federated<Kind>` KubeFed would have created for it out.
 *
 * - Same name. Namespace: the object's own, or for a Namespace target the namespace itself (a FederatedNamespace
 *   lives in the namespace it federates); none when the federated type is cluster-scoped.
 * - `spec.template` is the object without apiVersion, kind, status and every metadata field but labels.
 *   Annotations are dropped with an AnnotationsNotSupported warning (KubeFed logged one too).
 * - Controller-set fields: a Namespace loses spec.finalizers; a ServiceAccount its secrets; a Service its
 *   clusterIP, clusterIPs and each port's nodePort (core-group kinds only).
 * - `spec.placement` is `clusterSelector: {matchLabels: {}}`: every cluster.
 * Output YAML is KubeFed's too: `---` before every object, keys sorted (Go maps), sequences not indented under
 * their key (go-yaml v2), and YAML 1.1 strings quoted (`"yes"`, `"0644"`) so they read back as strings.
 */
import { stringify } from 'yaml';
import { error, warning, type Diagnostic, type Location } from '../model/diagnostic.ts';
import { DEFAULT_TYPE_CONFIGS, federatedScopeOf, pluralName } from '../model/default-type-configs.ts';
import { isJsonObject } from '../model/json-object.ts';
import { listItems } from '../model/list-items.ts';
import { resourceId, splitApiVersion } from '../model/identity.ts';
import type { JsonObject, JsonValue, Scope, TargetType, TypeConfig } from '../model/types.ts';
import { KNOWN_TARGET_TYPES, apiVersionOf, typeConfigForTarget } from './target-types.ts';

export interface FederateResult {
  /** Undefined when the object could not be federated (an error diagnostic says why). */
  federated?: JsonObject;
  diagnostics: Diagnostic[];
}

export interface FederateOptions {
  /** Where the object came from, for diagnostics. */
  where?: Location;
  /**
   * The repository's FederatedTypeConfigs. Without one for a type that is not a default, gitfed cannot tell the
   * target of the output (its template has no apiVersion, as in KubeFed): a warning says how to add it.
   */
  repoTypes?: readonly TypeConfig[];
}

/** The federated object for `object` under `type`. */
export function federateObject(object: JsonObject, type: TypeConfig, options: FederateOptions = {}): FederateResult {
  const diagnostics: Diagnostic[] = [];
  const metadata = asObject(object.metadata);
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const kind = type.target.kind;
  const where = { ...options.where };
  if (!name) {
    diagnostics.push(error('SchemaInvalid', `${kind} has no metadata.name, so it cannot be federated`, where));
    return { diagnostics };
  }
  const objectNamespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : undefined;
  const isCore = type.target.group === '';
  const namespace = isCore && kind === 'Namespace' ? name : objectNamespace;
  const federatedNamespaced = federatedScopeOf(type) === 'Namespaced';
  const id = resourceId({ kind, namespace: objectNamespace, name });
  const at = { ...where, resource: id };

  const template = structuredClone(object);
  if (isCore) removeControllerFields(kind, template);
  const annotations = asObject(metadata.annotations);
  if (Object.keys(annotations).length > 0) {
    diagnostics.push(warning(
      'AnnotationsNotSupported',
      `annotations of ${id} are not copied into the template of the federated resource (as in KubeFed): ${Object.keys(annotations).sort().join(', ')}`,
      at,
    ));
  }
  const { apiVersion: _apiVersion, kind: _kind, status: _status, metadata: _metadata, ...body } = template;
  const labels = asObject(metadata.labels);
  const cleaned: JsonObject = Object.keys(labels).length > 0 ? { metadata: { labels: structuredClone(labels) }, ...body } : body;

  const federatedMetadata: JsonObject = { name };
  if (federatedNamespaced) {
    if (namespace) federatedMetadata.namespace = namespace;
    else {
      diagnostics.push(warning(
        'SchemaInvalid',
        `${id} has no metadata.namespace but ${type.federatedKind} is namespaced: set the namespace in the input or pass -n`,
        at,
      ));
    }
  } else if (objectNamespace) {
    diagnostics.push(warning('SchemaInvalid', `${type.federatedKind} is cluster-scoped: metadata.namespace "${objectNamespace}" is not kept`, at));
  }
  const known = (options.repoTypes ?? []).some((repoType) => repoType.name === type.name) || DEFAULT_TYPE_CONFIGS.some((builtIn) => builtIn.name === type.name);
  if (!known) {
    diagnostics.push(warning('UnknownTargetType', `${type.federatedKind} is not a default type: add its FederatedTypeConfig to the repository, e.g. with ${enableCommand(type)}`, at));
  }
  const federated: JsonObject = {
    apiVersion: apiVersionOf(type.federatedGroup, type.federatedVersion),
    kind: type.federatedKind,
    metadata: federatedMetadata,
    spec: {
      placement: { clusterSelector: { matchLabels: {} } },
      template: cleaned,
    },
  };
  return { federated, diagnostics };
}

function enableCommand(type: TypeConfig): string {
  const { group, version, kind, pluralName: plural, scope } = type.target;
  if (KNOWN_TARGET_TYPES.some((known) => known.group === group && known.kind === kind)) return `gitfed enable ${type.name}`;
  const flags = [group ? `--target-group ${group}` : '', `--target-version ${version}`, `--target-kind ${kind}`, plural !== pluralName(kind) ? `--target-plural ${plural}` : '', `--scope ${scope}`];
  return `gitfed enable ${flags.filter(Boolean).join(' ')}`;
}

function removeControllerFields(kind: string, template: JsonObject): void {
  const spec = template.spec;
  if (kind === 'Namespace' && isJsonObject(spec)) delete spec.finalizers;
  if (kind === 'ServiceAccount') delete template.secrets;
  if (kind === 'Service' && isJsonObject(spec)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    if (Array.isArray(spec.ports)) {
      for (const port of spec.ports) if (isJsonObject(port)) delete port.nodePort;
    }
  }
}

/**
 * The type config for a target: a FederatedTypeConfig of the repository or a default one for the same group and
 * kind, else the one KubeFed's enable would generate (`Federated<Kind>` in types.kubefed.io/v1beta1).
 */
export function typeConfigFor(target: TargetType, repoTypes: readonly TypeConfig[] = []): TypeConfig {
  const sameTarget = (type: TypeConfig) => type.target.group === target.group && type.target.kind === target.kind;
  return repoTypes.find(sameTarget) ?? DEFAULT_TYPE_CONFIGS.find(sameTarget) ?? typeConfigForTarget(target);
}

/**
 * The type config for an object read from a file (`federate -f`): as typeConfigFor, with the scope of a known
 * built-in, else guessed from whether the object has a namespace (KubeFed's FederateResources) and KubeFed's plural.
 */
export function typeConfigForObject(object: JsonObject, repoTypes: readonly TypeConfig[] = []): TypeConfig | string {
  const apiVersion = object.apiVersion;
  const kind = object.kind;
  if (typeof apiVersion !== 'string' || !apiVersion || typeof kind !== 'string' || !kind) {
    return 'the document has no apiVersion or kind, so it is not a Kubernetes object';
  }
  const { group, version } = splitApiVersion(apiVersion);
  const builtIn = KNOWN_TARGET_TYPES.find((type) => type.group === group && type.kind === kind);
  const metadata = asObject(object.metadata);
  const guessed: Scope = typeof metadata.namespace === 'string' && metadata.namespace ? 'Namespaced' : 'Cluster';
  const target: TargetType = builtIn
    ? { group, version, kind, pluralName: builtIn.pluralName, scope: builtIn.scope }
    : { group, version, kind, pluralName: pluralName(kind), scope: guessed };
  return typeConfigFor(target, repoTypes);
}

export interface FederateDocumentsInput {
  value: JsonValue;
  where: Location;
}

export interface FederateDocumentsOptions {
  /** Namespace for objects of namespaced types that have none (`-n`), like kubectl's. */
  namespace?: string | undefined;
  repoTypes?: readonly TypeConfig[];
}

/** Every document of the input federated, in input order; problems per document, the others carry on. */
export function federateDocuments(inputs: readonly FederateDocumentsInput[], options: FederateDocumentsOptions = {}): { objects: JsonObject[]; diagnostics: Diagnostic[] } {
  const objects: JsonObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const input of inputs) {
    // A list (what `kubectl get -o yaml` prints for several objects) stands for its items.
    for (const value of listItems(input.value) ?? [input.value]) {
      if (!isJsonObject(value)) {
        diagnostics.push(error('SchemaInvalid', 'the document is not a Kubernetes object (a map with apiVersion and kind)', input.where));
        continue;
      }
      const type = typeConfigForObject(value, options.repoTypes);
      if (typeof type === 'string') {
        diagnostics.push(error('SchemaInvalid', type, input.where));
        continue;
      }
      let object = value;
      const metadata = asObject(value.metadata);
      if (options.namespace && !metadata.namespace && type.target.scope === 'Namespaced') {
        object = { ...value, metadata: { ...metadata, namespace: options.namespace } };
      }
      const result = federateObject(object, type, { where: input.where, repoTypes: options.repoTypes ?? [] });
      diagnostics.push(...result.diagnostics);
      if (result.federated) objects.push(result.federated);
    }
  }
  return { objects, diagnostics };
}

/** KubeFed's output: `---` then the object, for every object. */
export function formatFederatedYaml(objects: readonly JsonObject[]): string {
  return objects
    .map((object) => `---\n${stringify(object, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0 })}`)
    .join('');
}

function asObject(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}
