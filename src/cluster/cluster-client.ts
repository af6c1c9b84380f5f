/**
 * What gitfed needs from a member cluster. apply/ and the daemon depend on this interface only; the
 * @kubernetes/client-node implementation lives beside it (client-node-cluster-client.ts).
 */
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

export interface ClusterClient {
  readonly cluster: string;
  /** Server-side apply with strict field validation; returns the object as the server holds it afterwards. */
  apply(object: KubeObject, request?: ApplyRequest): Promise<KubeObject>;
  get(ref: ObjectRef): Promise<KubeObject | null>;
  list(apiVersion: string, kind: string, request?: ListRequest): Promise<KubeObject[]>;
  /** JSON merge patch, e.g. to remove gitfed's marks when orphaning. */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** Resolves true when the server accepted the delete, false when the object was already gone. */
  delete(ref: ObjectRef, options?: { propagationPolicy?: DeletePropagation }): Promise<boolean>;
  /** Scope of a kind by API discovery (cached per client); null when the member does not serve it. */
  scopeOf(apiVersion: string, kind: string): Promise<ResourceScope | null>;
  /** Forgets cached discovery, e.g. after a CRD was established. */
  invalidateDiscovery(): void;
  /** `GET /healthz` with the probe timeout (spec §5.4). */
  probe(): Promise<ProbeResult>;
  stats(): RequestStats;
  close(): Promise<void>;
}

/** Errors from members carry the HTTP status and the Kubernetes reason, so apply/ can map them to status words. */
export class ClusterRequestError extends Error {
  readonly cluster: string;
  readonly status: number | null;
  readonly reason: string;

  constructor(cluster: string, status: number | null, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterRequestError';
    this.cluster = cluster;
    this.status = status;
    this.reason = reason;
  }

  get unreachable(): boolean {
    return this.status === null;
  }
}
