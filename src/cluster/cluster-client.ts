/**
 * What gitfed needs from a member cluster. apply/ and the daemon depend on this interface only; the
 * @kubernetes/client-node implementation lives beside it (client-node-cluster-client.ts).
 */
import { GitfedError } from '../model/diagnostic.ts';
import type { KubeObject } from '../model/types.ts';

/** Names one object in a member. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export type ResourceScope = 'Namespaced' | 'Cluster';

export interface ApplyRequest {
  /** Server-side dry-run (`dryRun=All`): nothing is persisted; returns what the server would hold. */
  dryRun?: boolean;
  /** Take fields owned by other managers. Only set by an explicit conflict policy. */
  force?: boolean;
  /** Field manager; `gitfed` unless a special purpose needs another one. */
  fieldManager?: string;
}

export interface ListRequest {
  namespace?: string;
  labelSelector?: string;
}

export type DeletePropagation = 'Foreground' | 'Background' | 'Orphan';

export type DeleteOutcome = 'deleted' | 'pending' | 'absent';

/** Requests made, counted at the client: tests and benchmarks assert "no writes when nothing changed". */
export interface RequestStats {
  reads: number;
  /** Persisting writes: apply (not dry-run), patch, delete. */
  writes: number;
  dryRuns: number;
  discovery: number;
}

export interface ProbeResult {
  ok: boolean;
  reachable: boolean;
  message: string;
}

/** One event of a watch (`type` as the apiserver sends it: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR). */
export interface WatchEvent {
  type: string;
  object: KubeObject;
}

/** A running watch: `done` settles when the server ends it (a timeout, an error) or `stop()` was called. */
export interface WatchHandle {
  done: Promise<void>;
  stop(): void;
}

export interface ClusterClient {
  readonly cluster: string;
  /** Server-side apply with strict field validation; returns the object as the server holds it afterwards. */
  apply(object: KubeObject, request?: ApplyRequest): Promise<KubeObject>;
  /**
   * Server-side apply of the object's `status` through the status subresource (controllers' conditions). Optional:
   * clients that do not offer it are used by nothing that needs it.
   */
  applyStatus?(object: KubeObject, request?: ApplyRequest): Promise<KubeObject>;
  /** Watches a kind (all namespaces unless `namespace`); events arrive in order. Optional like applyStatus. */
  watch?(apiVersion: string, kind: string, request: ListRequest, onEvent: (event: WatchEvent) => void): WatchHandle;
  get(ref: ObjectRef): Promise<KubeObject | null>;
  list(apiVersion: string, kind: string, request?: ListRequest): Promise<KubeObject[]>;
  /** Creates the object (POST); fails with reason AlreadyExists when it exists: for writes that must not race. */
  create(object: KubeObject): Promise<KubeObject>;
  /**
   * Replaces the object (PUT) on the condition that it is still at `metadata.resourceVersion`; fails with reason
   * Conflict when someone wrote it since (optimistic concurrency).
   */
  replace(object: KubeObject): Promise<KubeObject>;
  /** JSON merge patch, e.g. to remove gitfed's marks when orphaning. */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /**
   * `deleted` when the object is gone, `pending` when the server accepted the delete but the object remains
   * (finalizers, a Namespace emptying), `absent` when it was already gone.
   */
  delete(ref: ObjectRef, options?: { propagationPolicy?: DeletePropagation }): Promise<DeleteOutcome>;
  /** Scope of a kind by API discovery (cached per client); null when the member does not serve it. */
  scopeOf(apiVersion: string, kind: string): Promise<ResourceScope | null>;
  /** Forgets cached discovery, e.g. after a CRD was established. */
  invalidateDiscovery(): void;
  /** `GET /healthz` with the probe timeout (spec §5.4). */
  probe(): Promise<ProbeResult>;
  stats(): RequestStats;
  close(): Promise<void>;
}

/**
 * Why a request to a member failed: the Kubernetes Status reason when the member answered (unknown reasons are
 * `Unknown`), or what kept it from answering.
 */
export type ClusterFailureReason =
  // the member did not answer
  | 'Unreachable'
  | 'Timeout'
  | 'ClientClosed'
  | 'CredentialsUnavailable'
  | 'NoServer'
  // it answered (metav1.StatusReason)
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'ServerTimeout'
  | 'TooManyRequests'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'InvalidResponse'
  | 'Unknown';

const answeredReasons: ReadonlySet<string> = new Set<ClusterFailureReason>([
  'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'AlreadyExists', 'Conflict', 'Gone', 'Expired', 'Invalid',
  'ServerTimeout', 'Timeout', 'TooManyRequests', 'MethodNotAllowed', 'NotAcceptable', 'RequestEntityTooLarge',
  'UnsupportedMediaType', 'InternalError', 'ServiceUnavailable', 'InvalidResponse', 'Unknown',
]);

/** A Status reason from a member as one of ours (reasons this version does not know are `Unknown`). */
export function failureReason(reason: string | undefined): ClusterFailureReason {
  return reason && answeredReasons.has(reason) ? (reason as ClusterFailureReason) : 'Unknown';
}

/**
 * A failed request to a member: a GitfedError (code ClusterRequestFailed) with the HTTP status (null when the
 * member did not answer) and a typed reason, so apply/ can map it to a status word and the CLI to an exit code.
 */
export class ClusterRequestError extends GitfedError {
  readonly cluster: string;
  readonly status: number | null;
  override readonly reason: ClusterFailureReason;

  constructor(cluster: string, status: number | null, reason: ClusterFailureReason, message: string, options?: { cause?: unknown }) {
    super('ClusterRequestFailed', message, { cluster }, { ...options, reason });
    this.name = 'ClusterRequestError';
    this.cluster = cluster;
    this.status = status;
    this.reason = reason;
  }

  get unreachable(): boolean {
    return this.status === null;
  }
}
