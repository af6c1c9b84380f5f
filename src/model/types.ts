/** The in-memory model the loader produces and the renderer consumes. Plain data, no behaviour. */
import type { Diagnostic } from './diagnostic.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** Field path inside a document, e.g. `['spec', 'overrides', 0, 'clusterName']`. */
export type FieldPath = readonly (string | number)[];

/** Where a document came from, and how to find one of its fields again (for errors that point at a line). */
export interface Origin extends SourcePosition {
  /** Position of the deepest existing node on `path`; the document start when nothing on it exists. */
  locate(path: FieldPath): SourcePosition;
}

export type Scope = 'Namespaced' | 'Cluster';

/** What a federated type propagates (FederatedTypeConfig.spec.targetType). */
export interface TargetType {
  group: string;
  version: string;
  kind: string;
  pluralName: string;
  scope: Scope;
}

export interface TypeConfig {
  /** `<plural>.<group>`, or `<plural>` for the core group. */
  name: string;
  target: TargetType;
  federatedKind: string;
  federatedGroup: string;
  federatedVersion: string;
  propagation: 'Enabled' | 'Disabled';
  /** Absent for the built-in defaults (spec §2.1). */
  origin?: Origin;
}

/** A member cluster, declared by a KubeFedCluster document. Credentials never live here. */
export interface Cluster {
  name: string;
  labels: Record<string, string>;
  /** e.g. gitfed.io/allow-mass-deletion; absent when the document has none. */
  annotations?: Record<string, string>;
  apiEndpoint?: string;
  secretName?: string;
  origin: Origin;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface Placement {
  /** Present (even empty) wins over the selector; absent or null defers to it (spec §1.3). */
  clusters?: { name: string }[] | null;
  clusterSelector?: LabelSelector | null;
}

export interface ClusterOverride {
  /** add | remove | replace; empty or absent means replace. */
  op?: string;
  path: string;
  value?: JsonValue;
}

export interface Override {
  clusterName: string;
  clusterOverrides?: ClusterOverride[] | null;
}

/** A `Federated<Kind>` document, FederatedNamespace included, with its target type resolved. */
export interface FederatedObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped federated types. */
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  template?: JsonObject;
  placement?: Placement | null;
  overrides?: Override[] | null;
  retainReplicas: boolean;
  type: TypeConfig;
  origin: Origin;
}

export interface ClusterPreference {
  minReplicas?: number;
  maxReplicas?: number;
  weight?: number;
}

export interface ReplicaSchedulingPreference {
  name: string;
  namespace: string;
  targetKind: 'FederatedDeployment' | 'FederatedReplicaSet';
  totalReplicas: number;
  rebalance: boolean;
  intersectWithClusterSelector: boolean;
  /** Cluster name or `*` → preference. Empty means `{ '*': { weight: 1 } }` (spec §4.1). */
  clusters: Record<string, ClusterPreference>;
  origin: Origin;
}

/** `maxUnavailable` of a rollout stage: a count, or a percentage of the stage's members. */
export type MaxUnavailable = { count: number } | { percent: number };

export interface RolloutStage {
  name: string;
  /** Exactly one of clusters and clusterSelector is set. */
  clusters?: string[];
  clusterSelector?: LabelSelector;
  maxUnavailable: MaxUnavailable;
  soakMs: number;
  manualApproval: boolean;
}

export interface RolloutApproval {
  stage: string;
  revision: string;
}

/** The repository's `Rollout` (gitfed.io/v1alpha1): how a change reaches the members (docs/rollouts.md). */
export interface Rollout {
  name: string;
  /** Labels on the federated objects it governs; absent: every object. */
  selector?: LabelSelector;
  progressDeadlineMs?: number;
  stages: RolloutStage[];
  approvals: RolloutApproval[];
  origin: Origin;
}

/** Everything loaded from one revision of the repository. Lists are sorted. */
export interface Model {
  /** Commit the files came from, or null for a plain directory. */
  revision: string | null;
  clusters: Cluster[];
  typeConfigs: TypeConfig[];
  objects: FederatedObject[];
  preferences: ReplicaSchedulingPreference[];
  /** The repository's Rollout; absent: every change reaches every member at once. */
  rollout?: Rollout;
  /** CustomResourceDefinition documents (apiextensions.k8s.io): not propagated, their schemas validate custom resources. */
  customResourceDefinitions?: { value: JsonObject; origin: Origin }[];
  diagnostics: Diagnostic[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A Kubernetes object as gitfed renders it for one member. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}
