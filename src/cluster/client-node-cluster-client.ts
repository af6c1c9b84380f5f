/**
 * ClusterClient on @kubernetes/client-node's lower layers: the KubeConfig authenticates every request (client
 * certificates, tokens, exec and auth-provider plugins: `applySecurityAuthentication`) and builds the undici
 * dispatcher that carries its TLS and proxy settings; requests go out through that dispatcher's own `request()`
 * (not fetch: the WHATWG layer's Request objects and web streams cost about twice the client CPU per request,
 * measured on the lab). Paths, discovery, bodies and errors are ours.
 *
 * Why not KubernetesObjectApi: (1) it round-trips objects through the typed models, which silently drops fields
 * the model does not know (a typo under `spec` would vanish instead of failing strict field validation) and turns
 * timestamps into Date objects; (2) `applySecurityAuthentication` builds a new undici Agent for every request, so
 * every request pays a TCP + TLS handshake (measured on the lab: 11 connections for 11 requests); (3) it has no
 * per-request timeout, no scope lookup and no refresh-on-miss for discovery.
 *
 * Pooling: the first request's dispatcher (an undici Agent carrying the member's TLS material) becomes the
 * member's pool; every later request is authenticated afresh (tokens may rotate) but sent through that pool, so
 * requests share keep-alive connections (HTTP/2 when the apiserver offers it, which kube-apiserver does: one
 * connection carries every concurrent stream). `close()` closes the pool. Client certificates an exec plugin
 * rotates are therefore picked up by a new client, not by this one. A kubeconfig with no TLS settings at all
 * (plain token over a publicly trusted certificate) gets no dispatcher from client-node; the client opens a plain
 * keep-alive pool of its own then.
 *
 * Every attempt goes through the member's rate limiter (rate-limit.ts), then the fleet's fair bound when one is
 * given (fleet-limits.ts: shared by every member client of the process, counted on the wire), has a deadline (30 s; the probe 3 s) and
 * is retried per retry.ts. Requests are logged at debug (method, path, status, ms, attempt), never bodies or
 * headers; error messages from Secret writes are scrubbed of the Secret's values.
 */
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { GitfedError } from '../model/diagnostic.ts';
import { resourceId } from '../model/identity.ts';
import { scrubSecrets, secretValuesOf } from '../model/secret-values.ts';
import type { KubeObject } from '../model/types.ts';
import {
  ClusterRequestError,
  failureReason,
  type ApplyRequest,
  type ClusterClient,
  type DeleteOutcome,
  type DeletePropagation,
  type ListRequest,
  type ObjectRef,
  type ProbeResult,
  type RequestStats,
  type ResourceScope,
  type WatchEvent,
  type WatchHandle,
} from './cluster-client.ts';
import type { FleetLimits } from './fleet-limits.ts';
import { createRateLimiter, defaultRateLimit, memberRate, type RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { defaultRetryPolicy, parseRetryAfter, withRetry, type AttemptOutcome, type RetryPolicy, type Settled } from './retry.ts';

export interface ClientNodeClusterClientOptions {
  /** The member's name (logs, errors). */
  cluster: string;
  /** Its current context selects the member's server and credentials. Not shared with other clients. */
  kubeConfig: KubeConfig;
  /** Default field manager for apply (and merge patch); `gitfed`. */
  fieldManager?: string;
  /** Deadline per attempt; 30 s. */
  timeoutMs?: number;
  /** Deadline of `probe()`; 3 s. */
  probeTimeoutMs?: number;
  rateLimit?: Partial<RateLimitOptions>;
  /**
   * The bound shared by every member client of the process (fleet-limits.ts): a request takes its member's slot,
   * then a fleet slot in the member's turn. Its per-member bound is this client's `maxConcurrent` unless
   * `rateLimit` sets one. Without it the client is bound only by its own limiter (one-off admin clients).
   */
  fleet?: FleetLimits;
  retry?: Partial<RetryPolicy>;
  /** A discovery miss re-reads the group version at most this often; `invalidateDiscovery()` always does. 1 s. */
  discoveryMissRefreshMs?: number;
  /**
   * Page size for list; 5,000. Apply reads each kind whole, so a kind of up to 5,000 objects in a member costs one
   * request, while the apiserver still never builds an unbounded response.
   */
  listPageSize?: number;
}

export interface ClusterClientDeps {
  logger: Logger;
  /** Monotonic ms (performance.now by default). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultFieldManager = 'gitfed';
/** Shows in the members' audit logs. */
const userAgent = 'gitfed';
export const defaultTimeoutMs = 30_000;
export const defaultProbeTimeoutMs = 3_000;
export const defaultListPageSize = 5_000;

type Purpose = 'read' | 'write' | 'dryRun' | 'discovery' | 'probe';

interface Call {
  purpose: Purpose;
  method: HttpMethod;
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  timeoutMs: number;
  retry: boolean;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

interface ResourceInfo {
  plural: string;
  scope: ResourceScope;
}

interface GroupVersionResources {
  kinds: Map<string, ResourceInfo>;
  fetchedAt: number;
}

interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { retryAfterSeconds?: number };
}

export function createClientNodeClusterClient(
  options: ClientNodeClusterClientOptions,
  deps: ClusterClientDeps,
): ClusterClient {
  return new ClientNodeClusterClient(options, deps);
}

class ClientNodeClusterClient implements ClusterClient {
  readonly cluster: string;
  readonly #kubeConfig: KubeConfig;
  readonly #server: string;
  readonly #fieldManager: string;
  readonly #timeoutMs: number;
  readonly #probeTimeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #missRefreshMs: number;
  readonly #pageSize: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #limiter: RateLimiter;
  readonly #fleet: FleetLimits | undefined;
  readonly #stats: RequestStats = { reads: 0, writes: 0, dryRuns: 0, discovery: 0 };
  #discovery = new Map<string, Promise<GroupVersionResources>>();
  #pool: Dispatcher | undefined;
  #closed = false;
  /** When a request (not the probe) last reached its deadline unanswered. */
  #timedOutAt: number | undefined;

  constructor(options: ClientNodeClusterClientOptions, deps: ClusterClientDeps) {
    this.cluster = options.cluster;
    this.#kubeConfig = options.kubeConfig;
    const server = options.kubeConfig.getCurrentCluster()?.server;
    if (!server) {
      throw new GitfedError('UsageError', `the kubeconfig context for ${options.cluster} names no cluster server`, { cluster: options.cluster });
    }
    this.#server = server.replace(/\/+$/, '');
    this.#fieldManager = options.fieldManager ?? defaultFieldManager;
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? defaultProbeTimeoutMs;
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#missRefreshMs = options.discoveryMissRefreshMs ?? 1_000;
    this.#pageSize = options.listPageSize ?? defaultListPageSize;
    this.#log = deps.logger.child({ cluster: options.cluster });
    this.#now = deps.now ?? (() => performance.now());
    this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = deps.random ?? Math.random;
    this.#fleet = options.fleet;
    const memberBound = options.fleet ? { maxConcurrent: options.fleet.options.memberInFlight, ...memberRate(options.fleet.options.memberQps) } : {};
    this.#limiter = createRateLimiter({ ...defaultRateLimit, ...memberBound, ...options.rateLimit }, { now: this.#now, sleep: this.#sleep });
  }

  async apply(object: KubeObject, request: ApplyRequest = {}): Promise<KubeObject> {
    const ref = refOf(object);
    const verb = request.dryRun ? 'apply (dry run)' : 'apply';
    const path = await this.#objectPath(ref, verb, true);
    const reply = await this.#send({
      purpose: request.dryRun ? 'dryRun' : 'write',
      method: HttpMethod.PATCH,
      path,
      query: {
        fieldManager: request.fieldManager ?? this.#fieldManager,
        fieldValidation: 'Strict',
        force: request.force ? 'true' : undefined,
        dryRun: request.dryRun ? 'All' : undefined,
      },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
      timeoutMs: this.#timeoutMs,
      retry: true,
    });
    if (isSuccess(reply)) return parseBody<KubeObject>(reply, this.cluster);
    throw this.#failure(reply, `${verb} ${resourceId(ref)}`, secretValuesOf(object), ref.kind === 'Secret');
  }

  async applyStatus(object: KubeObject, request: ApplyRequest = {}): Promise<KubeObject> {
    const ref = refOf(object);
    const path = `${await this.#objectPath(ref, 'apply status', true)}/status`;
    const reply = await this.#send({
      purpose: 'write',
      method: HttpMethod.PATCH,
      path,
      query: { fieldManager: request.fieldManager ?? this.#fieldManager, fieldValidation: 'Strict', force: request.force ? 'true' : undefined },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
      timeoutMs: this.#timeoutMs,
      retry: true,
    });
    if (isSuccess(reply)) return parseBody<KubeObject>(reply, this.cluster);
    throw this.#failure(reply, `apply status of ${resourceId(ref)}`, [], ref.kind === 'Secret');
  }

  /**
   * A watch over the member's pool, outside the rate limiter and without the request deadline (the server ends
   * it after `timeoutSeconds`, 5 minutes); newline-delimited JSON events, as the apiserver streams them.
   */
  watch(apiVersion: string, kind: string, request: ListRequest, onEvent: (event: WatchEvent) => void): WatchHandle {
    const abort = new AbortController();
    const run = async (): Promise<void> => {
      const resource = await this.#resourceFor(apiVersion, kind);
      if (resource === null) throw new ClusterRequestError(this.cluster, 404, 'NotFound', `watch ${kind} (${apiVersion}) on ${this.cluster}: the member does not serve it`);
      const namespaced = resource.scope === 'Namespaced' && request.namespace ? `/namespaces/${encodeURIComponent(request.namespace)}` : '';
      const url = new URL(`${this.#server}${groupVersionPath(apiVersion)}${namespaced}/${resource.plural}`);
      url.searchParams.set('watch', '1');
      url.searchParams.set('timeoutSeconds', '300');
      if (request.labelSelector) url.searchParams.set('labelSelector', request.labelSelector);
      const headers = await this.#authenticate(url, HttpMethod.GET);
      this.#count('read');
      const response = await this.#pool!.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers, signal: abort.signal });
      if (response.statusCode >= 300) {
        const text = await response.body.text();
        throw this.#failure({ status: response.statusCode, headers: {}, text }, `watch ${kind} (${apiVersion})`, [], false);
      }
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += (chunk as Buffer).toString('utf8');
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end).trim();
          buffer = buffer.slice(end + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
        }
      }
    };
    const done = run().catch((err: unknown) => {
      if (abort.signal.aborted) return;
      throw err instanceof ClusterRequestError ? err : new ClusterRequestError(this.cluster, null, 'Unreachable', `watch ${kind} on ${this.cluster}: ${networkMessage(err)}`, { cause: err });
    });
    return { done, stop: () => abort.abort() };
  }

  async get(ref: ObjectRef): Promise<KubeObject | null> {
    const path = await this.#objectPath(ref, 'get', false);
    if (path === null) return null;
    const reply = await this.#send({ purpose: 'read', method: HttpMethod.GET, path, timeoutMs: this.#timeoutMs, retry: true });
    if (reply.status === 404) return null;
    if (isSuccess(reply)) return parseBody<KubeObject>(reply, this.cluster);
    throw this.#failure(reply, `get ${resourceId(ref)}`, [], ref.kind === 'Secret');
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    const path = (await this.#objectPath(ref, 'create', true)).replace(/\/[^/]*$/, '');
    return this.#write(object, { method: HttpMethod.POST, path, verb: 'create' });
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    if (!object.metadata.resourceVersion) throw this.#clientSide('replace', ref, 'metadata.resourceVersion is required (the write is conditional)');
    return this.#write(object, { method: HttpMethod.PUT, path: await this.#objectPath(ref, 'replace', true), verb: 'replace' });
  }

  async #write(object: KubeObject, call: { method: HttpMethod; path: string; verb: string }): Promise<KubeObject> {
    const reply = await this.#send({
      purpose: 'write',
      method: call.method,
      path: call.path,
      query: { fieldManager: this.#fieldManager, fieldValidation: 'Strict' },
      body: JSON.stringify(object),
      contentType: 'application/json',
      timeoutMs: this.#timeoutMs,
      // A create or a conditional replace is not idempotent: a retry after a lost answer would meet its own write.
      retry: false,
    });
    if (isSuccess(reply)) return parseBody<KubeObject>(reply, this.cluster);
    const ref = refOf(object);
    throw this.#failure(reply, `${call.verb} ${resourceId(ref)}`, secretValuesOf(object), ref.kind === 'Secret');
  }

  async list(apiVersion: string, kind: string, request: ListRequest = {}): Promise<KubeObject[]> {
    const resource = await this.#resourceFor(apiVersion, kind);
    if (resource === null) return [];
    const namespaced = resource.scope === 'Namespaced' && request.namespace !== undefined && request.namespace !== '';
    const path = `${groupVersionPath(apiVersion)}${namespaced ? `/namespaces/${encodeURIComponent(request.namespace ?? '')}` : ''}/${resource.plural}`;
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const reply = await this.#send({
        purpose: 'read',
        method: HttpMethod.GET,
        path,
        query: { labelSelector: request.labelSelector || undefined, limit: String(this.#pageSize), continue: continueToken },
        timeoutMs: this.#timeoutMs,
        retry: true,
      });
      if (!isSuccess(reply)) {
        throw this.#failure(reply, `list ${kind} (${apiVersion})${namespaced ? ` in ${request.namespace}` : ''}`, [], kind === 'Secret');
      }
      const page = parseBody<{ items?: Record<string, unknown>[]; metadata?: { continue?: string } }>(reply, this.cluster);
      for (const item of page.items ?? []) items.push({ apiVersion, kind, ...item } as KubeObject);
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    return items;
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    const path = await this.#objectPath(ref, 'patch', true);
    const reply = await this.#send({
      purpose: 'write',
      method: HttpMethod.PATCH,
      path,
      query: { fieldManager: this.#fieldManager, fieldValidation: 'Strict' },
      body: JSON.stringify(patch),
      contentType: 'application/merge-patch+json',
      timeoutMs: this.#timeoutMs,
      retry: true,
    });
    if (isSuccess(reply)) return parseBody<KubeObject>(reply, this.cluster);
    throw this.#failure(reply, `patch ${resourceId(ref)}`, ref.kind === 'Secret' ? secretValuesOf(patch) : [], ref.kind === 'Secret');
  }

  async delete(ref: ObjectRef, options: { propagationPolicy?: DeletePropagation } = {}): Promise<DeleteOutcome> {
    const path = await this.#objectPath(ref, 'delete', false);
    if (path === null) return 'absent';
    const reply = await this.#send({
      purpose: 'write',
      method: HttpMethod.DELETE,
      path,
      query: { propagationPolicy: options.propagationPolicy },
      timeoutMs: this.#timeoutMs,
      retry: true,
    });
    if (reply.status === 404) return 'absent';
    if (!isSuccess(reply)) throw this.#failure(reply, `delete ${resourceId(ref)}`, [], ref.kind === 'Secret');
    // The apiserver answers with the object when it still exists (a deletionTimestamp set: finalizers, a
    // Namespace emptying), and with the object as it was, or a Status, when it is gone.
    const body = readObject(reply);
    return reply.status === 202 || body?.metadata?.deletionTimestamp ? 'pending' : 'deleted';
  }

  async scopeOf(apiVersion: string, kind: string): Promise<ResourceScope | null> {
    return (await this.#resourceFor(apiVersion, kind))?.scope ?? null;
  }

  invalidateDiscovery(): void {
    this.#discovery = new Map();
  }

  async probe(): Promise<ProbeResult> {
    try {
      const reply = await this.#send({
        purpose: 'probe',
        method: HttpMethod.GET,
        path: '/healthz',
        timeoutMs: this.#probeTimeoutMs,
        retry: false,
      });
      const body = reply.text.trim();
      if (reply.status === 200 && body === 'ok') return { ok: true, reachable: true, message: 'ok' };
      return { ok: false, reachable: true, message: `/healthz answered ${reply.status}: ${truncate(body, 300)}` };
    } catch (err) {
      if (err instanceof ClusterRequestError) return { ok: false, reachable: !err.unreachable, message: err.message };
      throw err;
    }
  }

  stats(): RequestStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    // Waits for requests in flight (each has a deadline), then closes the sockets.
    if (pool) await pool.close();
  }

  // ---- discovery ---------------------------------------------------------------------------------------------

  async #resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | null> {
    const cached = this.#discovery.get(apiVersion);
    if (cached === undefined) return (await this.#fetchGroupVersion(apiVersion)).kinds.get(kind) ?? null;
    const resources = await cached;
    const hit = resources.kinds.get(kind);
    if (hit) return hit;
    // A miss: the kind may have just been established (a CRD). Re-read once, unless that happened a moment ago.
    const current = this.#discovery.get(apiVersion);
    if (current !== undefined && current !== cached) return (await current).kinds.get(kind) ?? null;
    if (this.#now() - resources.fetchedAt < this.#missRefreshMs) return null;
    return (await this.#fetchGroupVersion(apiVersion)).kinds.get(kind) ?? null;
  }

  #fetchGroupVersion(apiVersion: string): Promise<GroupVersionResources> {
    const cache = this.#discovery;
    const fetching = (async (): Promise<GroupVersionResources> => {
      const fetchedAt = this.#now();
      const reply = await this.#send({
        purpose: 'discovery',
        method: HttpMethod.GET,
        path: groupVersionPath(apiVersion),
        timeoutMs: this.#timeoutMs,
        retry: true,
      });
      const kinds = new Map<string, ResourceInfo>();
      // 404: the member does not serve this group version (yet).
      if (reply.status === 404) return { kinds, fetchedAt };
      if (!isSuccess(reply)) throw this.#failure(reply, `discover ${apiVersion}`, [], false);
      const list = parseBody<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>(reply, this.cluster);
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue; // subresources (deployments/scale, …)
        kinds.set(r.kind, { plural: r.name, scope: r.namespaced ? 'Namespaced' : 'Cluster' });
      }
      return { kinds, fetchedAt };
    })();
    cache.set(apiVersion, fetching);
    fetching.catch(() => {
      if (cache.get(apiVersion) === fetching) cache.delete(apiVersion);
    });
    return fetching;
  }

  /** The object's URL path; null when the member does not serve the kind and `required` is false. */
  async #objectPath(ref: ObjectRef, verb: string, required: true): Promise<string>;
  async #objectPath(ref: ObjectRef, verb: string, required: false): Promise<string | null>;
  async #objectPath(ref: ObjectRef, verb: string, required: boolean): Promise<string | null> {
    const resource = await this.#resourceFor(ref.apiVersion, ref.kind);
    if (resource === null) {
      if (!required) return null;
      throw new ClusterRequestError(
        this.cluster,
        404,
        'NotFound',
        `${verb} ${resourceId(ref)} on ${this.cluster}: no matches for kind "${ref.kind}" in version "${ref.apiVersion}" (API discovery)`,
      );
    }
    if (!ref.name) throw this.#clientSide(verb, ref, 'the object has no metadata.name');
    let path = groupVersionPath(ref.apiVersion);
    if (resource.scope === 'Namespaced') {
      if (!ref.namespace) throw this.#clientSide(verb, ref, `${ref.kind} is namespaced but the object has no metadata.namespace`);
      path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
    }
    return `${path}/${resource.plural}/${encodeURIComponent(ref.name)}`;
  }

  // ---- transport -----------------------------------------------------------------------------------------------

  #send(call: Call): Promise<Reply> {
    const policy = call.retry ? this.#retry : { ...this.#retry, maxAttempts: 1 };
    const queuedAt = this.#now();
    const admitted = (attempt: number) => {
      this.#failFastAfterTimeout(call, queuedAt);
      return this.#sendOnce(call, attempt);
    };
    return withRetry(
      (attempt) => this.#limiter.run(() => (this.#fleet ? this.#fleet.limiter.run(this.cluster, () => admitted(attempt)) : admitted(attempt))),
      (settled) => this.#outcomeOf(settled),
      policy,
      {
        sleep: this.#sleep,
        random: this.#random,
        onRetry: ({ attempt, delayMs, outcome }) =>
          this.#log.debug({ method: call.method, path: call.path, status: outcome.status, attempt, delayMs }, 'retrying request'),
      },
    );
  }

  /**
   * A request that waited for a slot while an earlier one reached its deadline unanswered is not sent: the member
   * is not answering, and sending it would cost another full deadline (the queue behind a hung member would
   * otherwise drain one deadline per slot-full). Requests made after that moment are sent again, so the next
   * pass tries the member afresh. The probe's shorter deadline does not count: a busy member may miss it.
   */
  #failFastAfterTimeout(call: Call, queuedAt: number): void {
    if (call.purpose === 'probe' || this.#timedOutAt === undefined || this.#timedOutAt < queuedAt) return;
    throw new ClusterRequestError(
      this.cluster,
      null,
      'Timeout',
      `${this.cluster} did not answer an earlier request within ${this.#timeoutMs} ms; ${call.method} ${call.path} was not sent`,
    );
  }

  #outcomeOf(settled: Settled<Reply>): AttemptOutcome | null {
    if ('value' in settled) {
      const reply = settled.value;
      if (reply.status < 400) return { status: reply.status };
      const status = readStatus(reply);
      // A 500 whose Status has no reason is a plain Go error the apiserver did not classify; in practice a
      // deterministic failure on our input (typed-patch or conversion errors), so sending it again cannot help.
      if (reply.status === 500 && status !== null && !status.reason) return null;
      const fromHeader = parseRetryAfter(reply.headers['retry-after'], Date.now());
      const fromStatus = status?.details?.retryAfterSeconds;
      return { status: reply.status, retryAfterMs: fromHeader ?? (fromStatus !== undefined ? fromStatus * 1000 : undefined) };
    }
    const error = settled.error;
    if (error instanceof ClusterRequestError && error.status === null && error.reason !== 'ClientClosed') {
      return { status: null, timedOut: error.reason === 'Timeout' };
    }
    return null;
  }

  async #sendOnce(call: Call, attempt: number): Promise<Reply> {
    if (this.#closed) throw new ClusterRequestError(this.cluster, null, 'ClientClosed', `${this.cluster}: the client is closed`);
    const url = new URL(this.#server + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers = await this.#authenticate(url, call.method, call.body === undefined ? undefined : call.contentType ?? 'application/json');
    this.#count(call.purpose);
    const started = this.#now();
    const where = `${url.pathname}${url.search}`;
    // The deadline's timer is a ref'd one (AbortSignal.timeout's is not): a request whose connection died without
    // an answer must still end at its deadline, not leave the process with nothing left to wait on (Node then
    // exits 13 with the apply unfinished, which is what a lab member stopped mid-request once showed).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${call.timeoutMs} ms`, 'TimeoutError')), call.timeoutMs);
    const signal = deadline.signal;
    this.#fleet?.gauge.enter(this.cluster);
    try {
      const sent = this.#pool!.request({
        origin: url.origin,
        path: where,
        method: call.method,
        headers,
        body: call.body,
        signal,
      });
      const response = await answeredBefore(signal, sent);
      const text = await response.body.text();
      const ms = Math.round(this.#now() - started);
      this.#log.debug({ method: call.method, path: where, status: response.statusCode, ms, attempt }, 'request');
      return { status: response.statusCode, headers: flatHeaders(response.headers), text };
    } catch (err) {
      const ms = Math.round(this.#now() - started);
      const timedOut = isTimeout(err);
      if (timedOut && call.purpose !== 'probe') this.#timedOutAt = this.#now();
      const reason = timedOut ? 'Timeout' : 'Unreachable';
      this.#log.debug({ method: call.method, path: where, status: null, reason, ms, attempt }, 'request');
      const message = timedOut
        ? `${this.cluster} did not answer ${call.method} ${url.pathname} within ${call.timeoutMs} ms`
        : `${this.cluster} is unreachable at ${url.origin}: ${networkMessage(err)}`;
      throw new ClusterRequestError(this.cluster, null, reason, message, { cause: err });
    } finally {
      clearTimeout(timer);
      this.#fleet?.gauge.leave(this.cluster);
    }
  }

  /** Headers of an authenticated request; the first request's dispatcher becomes the member's pool. */
  async #authenticate(url: URL, method: HttpMethod, contentType?: string): Promise<Record<string, string>> {
    const context = new RequestContext(url.toString(), method);
    context.setHeaderParam('Accept', 'application/json');
    if (contentType !== undefined) context.setHeaderParam('Content-Type', contentType);
    try {
      await this.#kubeConfig.applySecurityAuthentication(context);
    } catch (err) {
      // Messages from credential plugins are not echoed: they may quote what the plugin printed.
      throw new ClusterRequestError(
        this.cluster,
        null,
        'CredentialsUnavailable',
        `${this.cluster}: could not get credentials from the kubeconfig (${errorName(err)})`,
      );
    }
    // The dispatcher client-node just built carries the current TLS material; the first one becomes the pool and
    // later ones are dropped unused (a dispatcher opens no socket until it dispatches).
    this.#pool ??= (context.getDispatcher() as Dispatcher | undefined) ?? new Agent({ connect: { keepAlive: true } });
    return { ...context.getHeaders(), 'user-agent': userAgent };
  }

  #count(purpose: Purpose): void {
    if (purpose === 'read') this.#stats.reads++;
    else if (purpose === 'write') this.#stats.writes++;
    else if (purpose === 'dryRun') this.#stats.dryRuns++;
    else if (purpose === 'discovery') this.#stats.discovery++;
  }

  // ---- errors --------------------------------------------------------------------------------------------------

  /** `action` names what failed (`apply ConfigMap/ns/name`); Secret errors are scrubbed (see scrubSecrets). */
  #failure(reply: Reply, action: string, secrets: readonly string[], secret: boolean): ClusterRequestError {
    const status = readStatus(reply);
    const reason = failureReason(status?.reason || reasonForReply(reply.status, status));
    const detail = status?.message || truncate(reply.text.trim(), 500) || `HTTP ${reply.status}`;
    const message = `${action} on ${this.cluster}: ${detail}`;
    return new ClusterRequestError(this.cluster, reply.status, reason, secret || secrets.length > 0 ? scrubSecrets(message, secrets) : message);
  }

  #clientSide(verb: string, ref: ObjectRef, why: string): ClusterRequestError {
    return new ClusterRequestError(this.cluster, 400, 'BadRequest', `${verb} ${resourceId(ref)} on ${this.cluster}: ${why} (not sent)`);
  }
}

// ---- helpers (pure) ------------------------------------------------------------------------------------------

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata?.namespace,
    name: object.metadata?.name,
  };
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}


function isSuccess(reply: Reply): boolean {
  return reply.status >= 200 && reply.status < 300;
}

function parseBody<T>(reply: Reply, cluster: string): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new ClusterRequestError(cluster, reply.status, 'InvalidResponse', `${cluster} answered ${reply.status} with a body that is not JSON`);
  }
}

function readObject(reply: Reply): KubeObject | null {
  if (!reply.text.startsWith('{')) return null;
  try {
    const body = JSON.parse(reply.text) as KubeObject;
    return body && body.kind !== 'Status' ? body : null;
  } catch {
    return null;
  }
}

function readStatus(reply: Reply): KubeStatus | null {
  if (!reply.text.startsWith('{')) return null;
  try {
    const body = JSON.parse(reply.text) as KubeStatus;
    return body && body.kind === 'Status' ? body : null;
  } catch {
    return null;
  }
}

/**
 * A reason for a reply whose Status carried none. One known apiserver bug is mapped to what it means: server-side
 * apply of a field the schema does not declare answers 500 with no reason and "failed to create typed patch
 * object" (kubernetes/kubernetes#122480), which is an invalid object, not a server fault.
 */
export function reasonForReply(status: number, body: { message?: string } | null): string {
  if (status === 500 && body?.message?.startsWith('failed to create typed patch object')) return 'Invalid';
  return reasonForStatus(status);
}

/** The reason Kubernetes uses for a status code, when the body carried none (proxies, plain-text errors). */
export function reasonForStatus(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 406: return 'NotAcceptable';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 413: return 'RequestEntityTooLarge';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return status >= 500 ? 'InternalError' : 'Unknown';
  }
}

function isTimeout(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}

/** The innermost useful message of a fetch failure (`fetch failed` → `connect ECONNREFUSED 127.0.0.1:1`). */
function networkMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err instanceof Error ? err.cause : undefined; e instanceof Error; e = e.cause) {
    if (e.message) message = e.message;
  }
  return message;
}

/**
 * The response, or the signal's reason once it fires. undici honours an abort only once the connection is up, so
 * a member that accepts TCP but never finishes the TLS handshake would hold the request until undici's own
 * connect timeout (10 s) instead of the request's deadline. A response that arrives after the deadline is dropped.
 */
function answeredBefore(signal: AbortSignal, sent: Promise<Dispatcher.ResponseData>): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    sent.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) response.body.destroy();
        else resolve(response);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Repeated response headers joined as HTTP joins them. */
function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
