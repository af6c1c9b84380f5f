/**
 * The client-node ClusterClient against real lab kube-apiservers: server-side apply (create, no-op re-apply, dry
 * run, conflicts), reads, merge patch, delete, discovery (built-ins, bogus kinds, a CRD established mid-test),
 * probes of live, closed and hung endpoints, exact request counts, connection reuse, and Secret hygiene in errors
 * and logs.
 */
import { KubeConfig } from '@kubernetes/client-node';
import dc from 'node:diagnostics_channel';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientNodeClusterClient, type ClientNodeClusterClientOptions } from '../../src/cluster/client-node-cluster-client.ts';
import { ClusterRequestError, type ClusterClient } from '../../src/cluster/cluster-client.ts';
import { createMemberRegistry, type MemberRegistry } from '../../src/cluster/member-registry.ts';
import type { KubeObject } from '../../src/model/types.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const member = lab.members[0]!;
const quiet = pino({ level: 'silent' });
const namespace = uniqueName('cc');

/** Clients a test makes are closed at the end, so vitest exits without open sockets. */
const opened: ClusterClient[] = [];
function track<T extends ClusterClient>(client: T): T {
  opened.push(client);
  return client;
}

/** A client of its own (fresh stats, fresh pool) for the first member, or for another server with its credentials. */
function newClient(options: Partial<ClientNodeClusterClientOptions> & { server?: string } = {}, logger: Logger = quiet): ClusterClient {
  const kc = new KubeConfig();
  kc.loadFromFile(lab.kubeconfig);
  const { server, ...rest } = options;
  kc.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === member.name && server ? { ...c, server } : c)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: member.name,
  });
  return track(createClientNodeClusterClient({ cluster: member.name, kubeConfig: kc, ...rest }, { logger }));
}

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

async function rejection(promise: Promise<unknown>): Promise<ClusterRequestError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClusterRequestError);
  return err as ClusterRequestError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let registry: MemberRegistry;
let client: ClusterClient;

beforeAll(async () => {
  registry = await createMemberRegistry({ clusters: lab.members.map((m) => m.name), kubeconfig: lab.kubeconfig }, { logger: quiet });
  client = registry.get(member.name);
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

afterAll(async () => {
  await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
  await Promise.all(opened.map((c) => c.close()));
  await registry?.close();
});

describe('member registry against the lab kubeconfig', () => {
  it('gives every lab member a client that reaches its own apiserver', async () => {
    expect([...registry.clients.keys()]).toEqual(lab.members.map((m) => m.name));
    for (const m of lab.members) {
      const c = registry.get(m.name);
      expect(c.cluster).toBe(m.name);
      expect(await c.probe()).toEqual({ ok: true, reachable: true, message: 'ok' });
    }
  });
});

describe('server-side apply', () => {
  it('creates an object, and applying it again returns the very same object', async () => {
    const name = uniqueName('cm');
    const created = await client.apply(configMap(name, { a: '1' }));
    expect(created.metadata.uid).toBeTruthy();
    expect(created.data).toEqual({ a: '1' });
    const managers = (created.metadata.managedFields as { manager: string; operation: string }[]).map((f) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(['gitfed/Apply']);

    const again = await client.apply(configMap(name, { a: '1' }));
    expect(again).toEqual(created);
  });

  it('persists nothing on a dry run, for a new object or a change', async () => {
    const name = uniqueName('cm');
    const preview = await client.apply(configMap(name, { a: '1' }), { dryRun: true });
    expect(preview.data).toEqual({ a: '1' });
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })).toBeNull();

    const live = await client.apply(configMap(name, { a: '1' }));
    const changed = await client.apply(configMap(name, { a: '2' }), { dryRun: true });
    expect(changed.data).toEqual({ a: '2' });
    const after = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
    expect(after?.data).toEqual({ a: '1' });
    expect(after?.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });

  it('reports a field owned by another manager as a Conflict unless forced', async () => {
    const name = uniqueName('cm');
    await client.apply(configMap(name, { a: 'theirs' }), { fieldManager: 'someone-else' });

    const err = await rejection(client.apply(configMap(name, { a: 'ours' })));
    expect(err.status).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.cluster).toBe(member.name);
    expect(err.message).toContain(`apply ConfigMap/${namespace}/${name} on ${member.name}:`);
    expect(err.message).toMatch(/Apply failed with \d+ conflicts?: conflicts? with "someone-else"/);
    expect(err.message).toContain('.data.a');

    const forced = await client.apply(configMap(name, { a: 'ours' }), { force: true });
    expect(forced.data).toEqual({ a: 'ours' });
  });

  it('validates strictly: an unknown field fails the apply instead of vanishing', async () => {
    const object = { ...configMap(uniqueName('cm'), { a: '1' }), dataa: { typo: 'x' } };
    const err = await rejection(client.apply(object));
    expect(err.reason).toBe('Invalid');
    expect(err.message).toContain('.dataa');
  });

  it('refuses a namespaced object without a namespace before sending anything', async () => {
    const c = newClient();
    await c.scopeOf('v1', 'ConfigMap');
    const before = c.stats();
    const err = await rejection(c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
    expect(err.reason).toBe('BadRequest');
    expect(c.stats()).toEqual(before);
  });
});

describe('reads, patches and deletes', () => {
  it('returns null for an object that does not exist', async () => {
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'does-not-exist' })).toBeNull();
    expect(await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: uniqueName('no-ns'), name: 'x' })).toBeNull();
  });

  it('lists by label selector, within a namespace or across all of them', async () => {
    const tag = uniqueName('tag');
    const names = [uniqueName('cm'), uniqueName('cm'), uniqueName('cm')];
    await Promise.all(names.map((n, i) => client.apply(configMap(n, { i: String(i) }, i < 2 ? { tag } : { tag: 'other' }))));

    const listed = await client.list('v1', 'ConfigMap', { namespace, labelSelector: `tag=${tag}` });
    expect(listed.map((o) => o.metadata.name).sort()).toEqual(names.slice(0, 2).sort());
    expect(listed.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap')).toBe(true);

    const everywhere = await client.list('v1', 'ConfigMap', { labelSelector: `tag=${tag}` });
    expect(everywhere).toHaveLength(2);
    expect(await client.list('v1', 'ConfigMap', { namespace: 'default', labelSelector: `tag=${tag}` })).toEqual([]);
  });

  it('pages through long lists', async () => {
    const c = newClient({ listPageSize: 2 });
    const tag = uniqueName('page');
    const names = Array.from({ length: 5 }, () => uniqueName('cm'));
    await Promise.all(names.map((n) => client.apply(configMap(n, {}, { tag }))));
    const listed = await c.list('v1', 'ConfigMap', { namespace, labelSelector: `tag=${tag}` });
    expect(listed.map((o) => o.metadata.name).sort()).toEqual([...names].sort());
    expect(c.stats().reads).toBe(3);
  });

  it('merge-patches labels away and keeps the rest', async () => {
    const name = uniqueName('cm');
    await client.apply(configMap(name, { a: '1' }, { 'kubefed.io/managed': 'true', keep: 'yes' }));
    const patched = await client.mergePatch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace, name },
      { metadata: { labels: { 'kubefed.io/managed': null } } },
    );
    expect(patched.metadata.labels).toEqual({ keep: 'yes' });
    expect(patched.data).toEqual({ a: '1' });

    const missing = await rejection(client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'nope' }, { data: { a: '2' } }));
    expect([missing.status, missing.reason]).toEqual([404, 'NotFound']);
  });

  it('deletes once: deleted when the object is gone, absent when it already was', async () => {
    const name = uniqueName('cm');
    await client.apply(configMap(name, { a: '1' }));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };
    expect(await client.delete(ref, { propagationPolicy: 'Background' })).toBe('deleted');
    expect(await client.delete(ref)).toBe('absent');
    expect(await client.get(ref)).toBeNull();
  });

  it('says pending for a delete the server accepted but has not finished (a Namespace emptying)', async () => {
    const name = uniqueName('ns');
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inside', namespace: name }, data: { a: '1' } });
    expect(await client.delete({ apiVersion: 'v1', kind: 'Namespace', name })).toBe('pending');
  });

  it('creates only what does not exist, and replaces only at the resourceVersion it was read at', async () => {
    const name = uniqueName('cm');
    const created = await client.create(configMap(name, { a: '1' }));
    const again = await rejection(client.create(configMap(name, { a: '2' })));
    expect([again.status, again.reason]).toEqual([409, 'AlreadyExists']);
    const replaced = await client.replace({ ...configMap(name, { a: '3' }), metadata: { name, namespace, resourceVersion: created.metadata.resourceVersion } });
    expect(replaced.data).toEqual({ a: '3' });
    // A second writer that read the first version is refused: its write would silently undo the one above.
    const stale = await rejection(client.replace({ ...configMap(name, { a: '4' }), metadata: { name, namespace, resourceVersion: created.metadata.resourceVersion } }));
    expect([stale.status, stale.reason]).toEqual([409, 'Conflict']);
    expect((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }))?.data).toEqual({ a: '3' });
  });
});

describe('discovery', () => {
  it('knows the scope of built-in kinds and says null for kinds the member does not serve', async () => {
    expect(await client.scopeOf('apps/v1', 'Deployment')).toBe('Namespaced');
    expect(await client.scopeOf('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe('Cluster');
    expect(await client.scopeOf('v1', 'Namespace')).toBe('Cluster');
    expect(await client.scopeOf('apps/v1', 'Bogus')).toBeNull();
    expect(await client.scopeOf('nothing.gitfed.test/v1', 'Widget')).toBeNull();
  });

  it('caches per group version, refreshing once on a miss', async () => {
    const c = newClient({ discoveryMissRefreshMs: 0 });
    await c.scopeOf('apps/v1', 'Deployment');
    await c.scopeOf('apps/v1', 'StatefulSet');
    await Promise.all([c.scopeOf('v1', 'Pod'), c.scopeOf('v1', 'Service'), c.scopeOf('v1', 'ConfigMap')]);
    expect(c.stats().discovery).toBe(2);
    expect(await c.scopeOf('apps/v1', 'Bogus')).toBeNull();
    expect(c.stats().discovery).toBe(3);
    c.invalidateDiscovery();
    await c.scopeOf('apps/v1', 'Deployment');
    expect(c.stats().discovery).toBe(4);
  });

  it('resolves a CRD created during the run once discovery is invalidated', async () => {
    const group = `${uniqueName('cc')}.gitfed.test`;
    const apiVersion = `${group}/v1`;
    const c = newClient();
    expect(await c.scopeOf(apiVersion, 'Widget')).toBeNull();

    const crdName = `widgets.${group}`;
    await client.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
        }],
      },
    });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const crd = await client.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crdName });
        const conditions = ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
        if (conditions.some((cond) => cond.type === 'Established' && cond.status === 'True')) break;
        if (Date.now() > deadline) throw new Error(`CRD ${crdName} not Established after 60 s`);
        await sleep(200);
      }
      c.invalidateDiscovery();
      expect(await c.scopeOf(apiVersion, 'Widget')).toBe('Namespaced');

      const widget = await c.apply({ apiVersion, kind: 'Widget', metadata: { name: 'w1', namespace }, spec: { size: 3 } });
      expect(widget.spec).toEqual({ size: 3 });
    } finally {
      await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crdName });
    }
  });

  it('fails an apply of a kind the member does not serve, without guessing a path', async () => {
    const err = await rejection(client.apply({ apiVersion: 'nothing.gitfed.test/v1', kind: 'Widget', metadata: { name: 'w', namespace } }));
    expect([err.status, err.reason]).toEqual([404, 'NotFound']);
    expect(err.message).toContain('no matches for kind "Widget" in version "nothing.gitfed.test/v1"');
    expect(await client.get({ apiVersion: 'nothing.gitfed.test/v1', kind: 'Widget', namespace, name: 'w' })).toBeNull();
    expect(await client.delete({ apiVersion: 'nothing.gitfed.test/v1', kind: 'Widget', namespace, name: 'w' })).toBe('absent');
  });
});

describe('reachability', () => {
  it('probes a live member as ok', async () => {
    expect(await client.probe()).toEqual({ ok: true, reachable: true, message: 'ok' });
  });

  it('still verifies the member certificate when the kubeconfig has no TLS settings (a bare token)', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'bare', server: member.server, skipTLSVerify: false }],
      users: [{ name: 'bare', token: 'not-a-real-token' }],
      contexts: [{ name: 'bare', cluster: 'bare', user: 'bare' }],
      currentContext: 'bare',
    });
    const c = track(createClientNodeClusterClient({ cluster: 'bare', kubeConfig: kc }, { logger: quiet }));
    const result = await c.probe();
    // The lab's CA is not a public one: a pool that skipped verification would reach /healthz instead.
    expect(result).toMatchObject({ ok: false, reachable: false });
    expect(result.message).toMatch(/certificate/i);
  });

  it('probes a closed port as unreachable, at once and without retrying', async () => {
    const c = newClient({ server: `https://127.0.0.1:${await closedPort()}` });
    const started = performance.now();
    const result = await c.probe();
    expect(performance.now() - started).toBeLessThan(3_500);
    expect(result.ok).toBe(false);
    expect(result.reachable).toBe(false);
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('gives up on a member that accepts connections but never answers after the probe timeout', async () => {
    const sockets = new Set<Socket>();
    const hung: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hung.address() as { port: number };
      const c = newClient({ server: `https://127.0.0.1:${port}` });
      const started = performance.now();
      const result = await c.probe();
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThan(2_900);
      expect(elapsed).toBeLessThan(4_500);
      expect(result).toMatchObject({ ok: false, reachable: false });
      expect(result.message).toContain('did not answer GET /healthz within 3000 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  it('turns an unreachable member into ClusterRequestError status null, after bounded retries that are all counted', async () => {
    const c = newClient({ server: `https://127.0.0.1:${await closedPort()}` });
    const started = performance.now();
    const err = await rejection(c.apply(configMap('x', { a: '1' })));
    expect(err.unreachable).toBe(true);
    expect(err.status).toBeNull();
    expect(err.reason).toBe('Unreachable');
    expect(performance.now() - started).toBeLessThan(5_000);
    // Discovery failed: four attempts, nothing else was sent.
    expect(c.stats()).toEqual({ reads: 0, writes: 0, dryRuns: 0, discovery: 4 });
  });
});

describe('request accounting', () => {
  it('counts exactly the requests a scripted sequence sends', async () => {
    const c = newClient();
    const name = uniqueName('cm');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };

    expect(await c.scopeOf('v1', 'ConfigMap')).toBe('Namespaced'); // discovery 1
    await c.apply(configMap(name, { a: '1' }, { seq: name }), { dryRun: true }); // dryRuns 1
    await c.apply(configMap(name, { a: '1' }, { seq: name })); // writes 1
    await c.apply(configMap(name, { a: '1' }, { seq: name })); // writes 2 (unchanged, but sent)
    await c.get(ref); // reads 1
    await c.list('v1', 'ConfigMap', { namespace, labelSelector: `seq=${name}` }); // reads 2
    await c.mergePatch(ref, { data: { b: '2' } }); // writes 3
    await c.delete(ref); // writes 4
    await c.delete(ref); // writes 5 (404, but sent)
    await c.get(ref); // reads 3 (404)
    await c.scopeOf('apps/v1', 'Deployment'); // discovery 2
    await c.scopeOf('v1', 'Secret'); // cached
    await c.probe(); // not an object request: not counted

    expect(c.stats()).toEqual({ reads: 3, writes: 5, dryRuns: 1, discovery: 2 });
  });
});

describe('connection pooling', () => {
  it('sends many requests, sequential and concurrent, over one keep-alive connection per member', async () => {
    const port = new URL(member.server).port;
    const connections: { alpn: string | undefined; socket: { destroyed: boolean } }[] = [];
    const onConnected = (message: unknown) => {
      const m = message as { connectParams?: { port?: string | number }; socket?: { alpnProtocol?: string | false; destroyed: boolean } };
      if (String(m.connectParams?.port) === port && m.socket) {
        connections.push({ alpn: m.socket.alpnProtocol || undefined, socket: m.socket });
      }
    };
    dc.subscribe('undici:client:connected', onConnected);
    try {
      const c = newClient();
      for (let i = 0; i < 50; i++) await c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'absent' });
      expect(connections).toHaveLength(1);

      await Promise.all(Array.from({ length: 64 }, () => c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'absent' })));
      expect(c.stats().reads).toBe(114);
      // kube-apiserver speaks HTTP/2, so every concurrent stream shares the one connection; over HTTP/1.1 the
      // concurrency bound (16) would cap the pool instead.
      if (connections[0]?.alpn === 'h2') expect(connections).toHaveLength(1);
      else expect(connections.length).toBeLessThanOrEqual(16);

      await c.close();
      expect(connections.every((conn) => conn.socket.destroyed)).toBe(true);
      const closed = await rejection(c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'absent' }));
      expect(closed.reason).toBe('ClientClosed');
    } finally {
      dc.unsubscribe('undici:client:connected', onConnected);
    }
  });
});

describe('secrets', () => {
  const plain = 'hunter2-e2e-SECRET-value';
  const encoded = Buffer.from(plain).toString('base64');

  function capture(): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    return { logger, raw: () => text, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('keeps Secret values out of apply errors, even where the apiserver echoes them', async () => {
    const log = capture();
    const c = newClient({}, log.logger);
    const name = uniqueName('secret');
    // The apiserver answers these with messages that quote the offending value (kubernetes#122480).
    const attempts: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { password: [encoded] } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { password: { nested: plain } } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { 'bad key': encoded }, stringData: { [plain]: 'x' } },
    ];
    for (const secret of attempts) {
      const err = await rejection(c.apply(secret));
      expect(err.status).toBeGreaterThanOrEqual(400);
      expect(err.message).toContain(`apply Secret/${namespace}/${name} on ${member.name}:`);
      expect(err.message).not.toContain(plain);
      expect(err.message).not.toContain(encoded);
      expect(String(err.cause ?? '')).not.toContain(plain);
    }
    const typed = await rejection(c.apply(attempts[0]!));
    expect(typed.reason).toBe('Invalid');
    expect(typed.message).toContain('.data.password');

    await c.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { password: encoded } });
    expect(log.raw()).not.toContain(plain);
    expect(log.raw()).not.toContain(encoded);
  });

  it('logs one debug line per request with method, path, status and duration, and never a body', async () => {
    const log = capture();
    const c = newClient({}, log.logger);
    const name = uniqueName('secret');
    await c.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { token: plain } });
    await c.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });

    const requests = log.lines().filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(3); // discovery, apply, get
    expect(requests.map((l) => l.status)).toEqual([200, 201, 200]);
    for (const line of requests) {
      expect(line).toMatchObject({ level: 20, cluster: member.name, attempt: 1 });
      expect(Object.keys(line).sort()).toEqual(['attempt', 'cluster', 'level', 'method', 'ms', 'msg', 'path', 'pid', 'hostname', 'status', 'time'].sort());
      expect(typeof line.ms).toBe('number');
    }
    expect(requests.map((l) => `${l.method} ${String(l.path).split('?')[0]}`)).toEqual([
      'GET /api/v1',
      `PATCH /api/v1/namespaces/${namespace}/secrets/${name}`,
      `GET /api/v1/namespaces/${namespace}/secrets/${name}`,
    ]);
    expect(requests[1]?.path).toBe(`/api/v1/namespaces/${namespace}/secrets/${name}?fieldManager=gitfed&fieldValidation=Strict`);
    expect(log.raw()).not.toContain(plain);
    expect(log.raw()).not.toContain(Buffer.from(plain).toString('base64'));
  });
});
