/**
 * Schemas of the documents gitfed reads (pure), after KubeFed's CRDs (spec §1.1, §1.2, §1.5, §4.1, §5.4), and the
 * conversion of schema problems into Diagnostics that point at the offending field.
 *
 * Leniency follows Kubernetes: fields inside `spec.template` are never checked (the target's own API server does
 * that); a field a schema does not know is ignored with a warning, as `kubectl apply` does with server-side field
 * validation in Warn mode; `null` is accepted wherever a field is optional. Null and absent stay distinct in the
 * data (placement, spec §1.3): the loader reads the validated input itself, not a transformed copy.
 *
 * Every check carries an "expectation" phrase (`an integer ≥ 0`); `issueDiagnostics` turns it into
 * `spec.totalReplicas must be an integer ≥ 0, got "three"`.
 */
import * as z from 'zod';
import { error, warning } from './diagnostic.ts';
import { durationPattern } from './duration.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { FieldPath, Origin } from './types.ts';

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_PHRASE =
  'a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters)';
const LABEL_PHRASE =
  'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)';
const INT32_MAX = 2_147_483_647;

function text(phrase = 'a string') {
  return z.string({ error: phrase });
}

function nonEmptyText(phrase = 'a non-empty string') {
  return z.string({ error: phrase }).min(1, { error: phrase });
}

const subdomain = z
  .string({ error: SUBDOMAIN_PHRASE })
  .max(253, { error: SUBDOMAIN_PHRASE })
  .regex(SUBDOMAIN, { error: SUBDOMAIN_PHRASE });

const dnsLabel = z.string({ error: LABEL_PHRASE }).max(63, { error: LABEL_PHRASE }).regex(LABEL, { error: LABEL_PHRASE });

function count(max = Number.MAX_SAFE_INTEGER) {
  const phrase = 'an integer ≥ 0';
  return z
    .int({ error: phrase })
    .min(0, { error: phrase })
    .max(max, { error: `an integer between 0 and ${max}` });
}

const flag = z.boolean({ error: 'true or false' });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'a list' });
}

const stringMap = z.record(z.string(), text(), { error: 'a map of strings' });

/** Anything: the field exists in the API but its content is not gitfed's business. */
const opaque = z.unknown().optional();

/**
 * An object whose unknown fields are reported. The issue message for unknown fields names the allowed ones; the
 * message for a wrong type says what was expected.
 */
function strict<T extends z.core.$ZodLooseShape>(shape: T, phrase = 'a map') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed fields here are: ${allowed}` : phrase),
  });
}

/** ObjectMeta as written in manifests; server-set fields are allowed (and ignored). */
const objectMeta = strict({
  name: subdomain,
  generateName: opaque,
  namespace: dnsLabel.nullish(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
  finalizers: opaque,
  ownerReferences: opaque,
  uid: opaque,
  resourceVersion: opaque,
  generation: opaque,
  creationTimestamp: opaque,
  deletionTimestamp: opaque,
  deletionGracePeriodSeconds: opaque,
  managedFields: opaque,
  selfLink: opaque,
});

function kubeDocument<T extends z.ZodType>(spec: T) {
  return strict({ apiVersion: nonEmptyText(), kind: nonEmptyText(), metadata: objectMeta, spec, status: opaque });
}

// ---------------------------------------------------------------------------------------------------------------
// KubeFedCluster (core.kubefed.io/v1beta1, spec §5.4), with KubeFed's admission rules (its validation.go). Credentials
// never come from Git, so secretRef is optional: a cluster is reached through a kubeconfig context of its name
// (gitfed decision 1).

export const kubeFedClusterSchema = kubeDocument(
  strict({
    // KubeFed's admission (validateAPIEndpoint): http or https, a valid port, never empty. KubeFed required it;
    // gitfed accepts it absent (the kubeconfig context of the cluster's name says where the member is).
    apiEndpoint: text('a URL such as https://member.example:6443').superRefine(refine(endpointProblem)).nullish(),
    caBundle: text().nullish(),
    // KubeFed required secretRef; gitfed never reads credentials from Git (decision 1), so it stays optional.
    secretRef: strict({ name: subdomain }).nullish(),
    disabledTLSValidations: list(oneOf(['*', 'SubjectName', 'ValidityPeriod']))
      .refine((values) => !values.includes('*') || values.length === 1, { error: 'a list where "*", when given, is the only entry' })
      .nullish(),
    proxyURL: text().superRefine(refine(proxyProblem)).nullish(),
  }).nullish(),
);
export type KubeFedClusterDocument = z.infer<typeof kubeFedClusterSchema>;

// ---------------------------------------------------------------------------------------------------------------
// FederatedTypeConfig (core.kubefed.io/v1beta1, spec §1.1, §1.5)

export const SCOPES = ['Namespaced', 'Cluster'] as const;
const scope = oneOf(SCOPES);
const mode = oneOf(['Enabled', 'Disabled']);

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_PHRASE = 'a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, at most 63 characters)';
const dns1035 = z.string({ error: DNS1035_PHRASE }).max(63, { error: DNS1035_PHRASE }).regex(DNS1035, { error: DNS1035_PHRASE });

/** KubeFed's ValidateAPIResource: group a DNS-1123 subdomain when given; version, kind (lowercased), plural DNS-1035 labels. */
const apiResourceShape = {
  group: z.union([z.literal(''), subdomain]).nullish(),
  version: dns1035,
  kind: nonEmptyText().refine((kind) => DNS1035.test(kind.toLowerCase()) && kind.length <= 63, { error: `a kind whose lowercase form is ${DNS1035_PHRASE}` }),
  // KubeFed's CRD requires pluralName; gitfed defaults it from the FederatedTypeConfig's name as KubeFed's defaulting webhook did.
  pluralName: z.union([z.literal(''), dns1035]).nullish(),
  scope,
};
const apiResource = strict(apiResourceShape);
const GROUP_WITH_DOT = 'a group with at least one dot (a domain such as types.kubefed.io)';
/** ValidateFederatedAPIResource: the federated (and status) type's group is required and has a dot. */
const federatedApiResource = strict({
  ...apiResourceShape,
  group: text(GROUP_WITH_DOT).superRefine(refine((group) => (!group.includes('.') ? GROUP_WITH_DOT : subdomain.safeParse(group).success ? undefined : SUBDOMAIN_PHRASE))),
});

export const federatedTypeConfigSchema = kubeDocument(
  strict({
    targetType: apiResource,
    federatedType: federatedApiResource,
    propagation: mode,
    statusType: federatedApiResource.nullish(),
    statusCollection: mode.nullish(),
  }),
).superRefine((document, context) => {
  // ValidateFederatedTypeConfigName, after SetFederatedTypeConfigDefaults filled group and plural from the name.
  const name = document.metadata.name;
  const dot = name.indexOf('.');
  const group = document.spec.targetType.group || (dot < 0 ? '' : name.slice(dot + 1));
  const plural = document.spec.targetType.pluralName || (dot < 0 ? name : name.slice(0, dot));
  const expected = group ? `${plural}.${group}` : plural;
  if (expected !== name) {
    context.addIssue({ code: 'custom', path: ['metadata', 'name'], message: `"${expected}": a FederatedTypeConfig is named TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)` });
  }
});
export type FederatedTypeConfigDocument = z.infer<typeof federatedTypeConfigSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Federated<Kind> (types.kubefed.io, any version; spec §1.2, §1.3, §1.4)

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const labelSelectorRequirement = strict({
  key: nonEmptyText(),
  operator: oneOf(SELECTOR_OPERATORS),
  values: list(text()).nullish(),
}).superRefine((requirement, context) => {
  const given = requirement.values?.length ?? 0;
  const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
  if (needsValues && given === 0) {
    context.addIssue({ code: 'custom', path: ['values'], message: `a non-empty list when operator is ${requirement.operator}` });
  } else if (!needsValues && given > 0) {
    context.addIssue({ code: 'custom', path: ['values'], message: `empty when operator is ${requirement.operator}` });
  }
});

/** The standard Kubernetes LabelSelector. */
export const labelSelectorSchema = strict({
  matchLabels: stringMap.nullish(),
  matchExpressions: list(labelSelectorRequirement).nullish(),
});
export type LabelSelectorDocument = z.infer<typeof labelSelectorSchema>;

const placement = strict({
  clusters: list(strict({ name: nonEmptyText() })).nullish(),
  clusterSelector: labelSelectorSchema.nullish(),
});

const clusterOverride = strict({
  op: z
    .string({ error: 'one of add, remove, replace (or empty, meaning replace)' })
    .regex(/^(add|remove|replace)?$/, { error: 'one of add, remove, replace (or empty, meaning replace)' })
    .nullish(),
  path: text('a string (a JSON pointer such as /spec/replicas)'),
  value: opaque,
});

const override = strict({
  clusterName: text(),
  clusterOverrides: list(clusterOverride).nullish(),
});

export const federatedObjectSchema = kubeDocument(
  strict({
    template: z.record(z.string(), z.unknown(), { error: 'a map (the body of the target object)' }).nullish(),
    placement: placement.nullish(),
    overrides: list(override).nullish(),
    retainReplicas: flag.nullish(),
  }),
);
export type FederatedObjectDocument = z.infer<typeof federatedObjectSchema>;

// ---------------------------------------------------------------------------------------------------------------
// ReplicaSchedulingPreference (scheduling.kubefed.io/v1alpha1, spec §4.1)

export const RSP_TARGET_KINDS = ['FederatedDeployment', 'FederatedReplicaSet'] as const;

export const replicaSchedulingPreferenceSchema = kubeDocument(
  strict({
    targetKind: oneOf(RSP_TARGET_KINDS),
    totalReplicas: count(INT32_MAX),
    rebalance: flag.nullish(),
    intersectWithClusterSelector: flag.nullish(),
    clusters: z
      .record(
        z.string(),
        strict({ minReplicas: count().nullish(), maxReplicas: count().nullish(), weight: count().nullish() }),
        { error: 'a map from cluster name (or "*") to {minReplicas, maxReplicas, weight}' },
      )
      .nullish(),
  }),
);
export type ReplicaSchedulingPreferenceDocument = z.infer<typeof replicaSchedulingPreferenceSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Rollout (gitfed.io/v1alpha1, docs/rollouts.md): stages a change across members, gated on health, soak and approval

const DURATION_PHRASE = 'a duration such as 30s, 5m or 1h';
const duration = z.string({ error: DURATION_PHRASE }).regex(durationPattern, { error: DURATION_PHRASE });
const MAX_UNAVAILABLE_PHRASE = 'an integer ≥ 1 or a percentage such as "50%" (1%–100%)';
const maxUnavailable = z.union([
  z.int({ error: MAX_UNAVAILABLE_PHRASE }).min(1, { error: MAX_UNAVAILABLE_PHRASE }),
  z.string({ error: MAX_UNAVAILABLE_PHRASE }).regex(/^(100|[1-9][0-9]?)%$/, { error: MAX_UNAVAILABLE_PHRASE }),
], { error: MAX_UNAVAILABLE_PHRASE });
const REVISION_PHRASE = 'a commit id (at least 7 hexadecimal digits)';

const rolloutStage = strict({
  name: dnsLabel,
  clusters: list(nonEmptyText()).nullish(),
  clusterSelector: labelSelectorSchema.nullish(),
  maxUnavailable: maxUnavailable.nullish(),
  soak: duration.nullish(),
  approval: oneOf(['manual', 'automatic']).nullish(),
}).superRefine((stage, context) => {
  const given = [stage.clusters, stage.clusterSelector].filter((value) => value !== undefined && value !== null).length;
  if (given !== 1) context.addIssue({ code: 'custom', path: [], message: 'a stage with exactly one of clusters or clusterSelector' });
});

export const rolloutSchema = kubeDocument(
  strict({
    selector: labelSelectorSchema.nullish(),
    progressDeadline: duration.nullish(),
    stages: list(rolloutStage).min(1, { error: 'a non-empty list of stages' }),
    approvals: list(strict({
      stage: dnsLabel,
      revision: z.string({ error: REVISION_PHRASE }).regex(/^[0-9a-f]{7,40}$/, { error: REVISION_PHRASE }),
    })).nullish(),
  }),
);
export type RolloutDocument = z.infer<typeof rolloutSchema>;
// KubeFed's URL rules (validation.go: validateAPIEndpoint, validateProxyURL)

function refine(problemOf: (value: string) => string | undefined) {
  return (value: string, context: z.core.$RefinementCtx<string>) => {
    const problem = problemOf(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  };
}

/** client-go's DefaultServerURL reads a bare host as https://host; the scheme must be http or https, the port 1–65535. */
export function endpointProblem(endpoint: string): string | undefined {
  const phrase = 'a URL such as https://member.example:6443 (http or https, a port from 1 to 65535)';
  if (endpoint === '') return phrase;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  } catch {
    return phrase;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return phrase;
  // URL drops a default port (":443" for https), which is valid anyway; any other out-of-range port fails to parse.
  return undefined;
}

export function proxyProblem(proxy: string): string | undefined {
  if (proxy === '') return undefined;
  try {
    const { protocol } = new URL(proxy);
    return ['http:', 'https:', 'socks5:'].includes(protocol) ? undefined : 'a proxy URL with scheme http, https or socks5';
  } catch {
    return 'a proxy URL with scheme http, https or socks5';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation → Diagnostics

export interface Validation<T> {
  /** The input, typed, when it has no errors (unknown fields only warn). */
  data?: T;
  diagnostics: Diagnostic[];
}

/**
 * Checks `value` against `schema`. Each problem becomes a SchemaInvalid diagnostic at the file:line:column of the
 * field (unknown fields: a warning at the field's key). `resource` (`Kind/namespace/name`) is added when known.
 */
export function validateDocument<S extends z.ZodType>(
  schema: S,
  value: unknown,
  origin: Origin,
  resource?: string,
): Validation<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { data: value as z.infer<S>, diagnostics: [] };
  const diagnostics = result.error.issues.flatMap((issue) => issueDiagnostics(issue, value, origin, resource));
  const failed = diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  // Only unknown fields: everything the schema knows is valid, and unknown fields are simply not read.
  return failed ? { diagnostics } : { data: value as z.infer<S>, diagnostics };
}

export function issueDiagnostics(issue: z.core.$ZodIssue, value: unknown, origin: Origin, resource?: string): Diagnostic[] {
  const path: (string | number)[] = issue.path.map((step) => (typeof step === 'symbol' ? String(step) : step));
  const where = (fieldPath: FieldPath) => ({
    ...origin.locate(fieldPath),
    field: formatField(fieldPath),
    ...(resource ? { resource } : {}),
  });
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const fieldPath = [...path, key];
      return warning('SchemaInvalid', `unknown field ${formatField(fieldPath)} is ignored; ${issue.message}`, where(fieldPath));
    });
  }
  const field = formatField(path);
  const actual = valueAt(value, path);
  const expectation = expectationOf(issue);
  // YAML 1.1 reads unquoted yes/no/on/off/y/n as booleans and 1.10 as a number: say how to keep the text.
  const quoteHint =
    issue.code === 'invalid_type' && issue.expected === 'string' && (typeof actual === 'boolean' || typeof actual === 'number')
      ? ' (YAML reads this unquoted value as a ' + (typeof actual === 'boolean' ? 'boolean' : 'number') + '; put it in quotes)'
      : '';
  const message =
    actual === undefined && issue.code !== 'custom'
      ? `${field} is required: ${expectation}`
      : `${field} must be ${expectation}, got ${describeValue(actual)}${quoteHint}`;
  return [error('SchemaInvalid', message, where(path))];
}

/** The phrase a check was given, or one derived from zod's issue when a check has none. */
function expectationOf(issue: z.core.$ZodIssue): string {
  if (!issue.message.startsWith('Invalid ')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** `spec.overrides[0].clusterOverrides[1].path`; keys that are not plain words are quoted: `labels["app.kubernetes.io/name"]`. */
export function formatField(path: FieldPath): string {
  if (path.length === 0) return '(document)';
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/** A value as a user would recognise it in a message: strings quoted, collections summarised. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty map' : 'a map';
  return String(value);
}

function valueAt(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
