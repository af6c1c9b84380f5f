/**
 * Helpers for the daemon e2e tests: a fresh bare repository in the lab per scenario, a "human" clone that pushes
 * revisions with isomorphic-git, the daemon run in-process (runDaemon) with its own instance, cache folder, webhook
 * secret and a free port, signed webhooks, the report read back from a fresh clone, commit counts from the bare
 * repository, metric readings, and a Git server of the test's own (same bare repositories, same credentials) that
 * can be closed, reopened or made to wait, for the cases the shared lab's server must not be touched.
 *
 * Everything a scenario creates (daemons, temp folders, the bare repository, the namespace and the inventory in
 * every member) is removed by `kit.cleanUp()` (afterEach).
 */
import git from 'isomorphic-git';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import type { MemberRegistry } from '../../src/cluster/member-registry.ts';
import { configSchema, type DaemonConfig } from '../../src/daemon/config.ts';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run-daemon.ts';
import { createBareRepo, createGitHttpHandler, findHttpBackend, gitRepoUrl, labPaths } from '../../src/lab/index.ts';
import type { StatusReport } from '../../src/report/build-report.ts';
import { repoUrl, timedHttp, uniqueName, type E2eLab } from '../e2e/lab-context.ts';
import { federatedConfigMap, federatedNamespace, deleteInventory, kubeFedClusters, observeMembers, yamlOf } from './e2e-repo.ts';
import { startSourceDaemon, type DaemonProcess } from './gitfed-daemon-process.ts';

const run = promisify(execFile);

/** One JSON log line of the daemon. */
export interface LogLine {
  time: number;
  msg?: string;
  revision?: string;
  [field: string]: unknown;
}

/** A logger whose JSON lines are kept (info and up); also echoed on stderr when GITFED_LOG_LEVEL is set. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const echo = process.env.GITFED_LOG_LEVEL !== undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      if (echo) process.stderr.write(text);
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: echo ? process.env.GITFED_LOG_LEVEL : 'info' }, sink), lines };
}

/** Author of the test's own pushes. */
export const human = { name: 'someone', email: 'someone@gitfed.invalid' };

const scratchDirs: string[] = [];
/**
 * `gitfed run` from the sources as a child process following the scenario's lab repository: its own cache and
 * webhook secret, JSON logs, both timers off (the test pushes and calls the webhook); `extra` adds flags.
 */
export async function startRunProcess(
  s: Pick<DaemonScenario, 'url' | 'instance'>,
  lab: E2eLab,
  name: string,
  extra: readonly string[] = [],
): Promise<{ process: DaemonProcess; secret: string }> {
  const dir = await tempDir(name);
  const secret = uniqueName('secret');
  await writeFile(join(dir, 'webhook-secret'), `${secret}\n`, { mode: 0o600 });
  const process_ = startSourceDaemon(
    [
      'run', '--repo', s.url, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '--listen', '127.0.0.1:0',
      '--cache-dir', join(dir, 'cache'), '--webhook-secret-file', join(dir, 'webhook-secret'),
      '--interval', '1h', '--drift-interval', '1h', '--log-level', 'info', ...extra,
    ],
    { ...process.env, GITFED_GIT_USERNAME: lab.git.username, GITFED_GIT_PASSWORD: lab.git.password, GITFED_LOG_FORMAT: 'json' },
  );
  return { process: process_, secret };
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gitfed-e2e-daemon-${prefix}-`));
  scratchDirs.push(dir);
  return dir;
}

// ---- the human side of the repository ------------------------------------------------------------------------

export interface HumanClone {
  readonly dir: string;
  /**
   * Pulls (fast-forward: the daemon's report commits come along), replaces the manifests with `files` (the lab's
   * KubeFedClusters are always written as clusters.yaml; manifests pushed before and not named here are removed;
   * the report folder is left alone), commits and pushes. Returns the commit.
   */
  revision(files: Record<string, string>, message?: string): Promise<string>;
  /** Pulls, writes `files` as given (any path, the report folder included), commits and pushes. Returns the commit. */
  change(files: Record<string, string>, message?: string): Promise<string>;
}

async function openHumanClone(url: string, credentials: { username: string; password: string }, members: readonly string[]): Promise<HumanClone> {
  const dir = await tempDir('human');
  const http = timedHttp();
  const onAuth = () => ({ username: credentials.username, password: credentials.password });
  await git.init({ fs, dir, defaultBranch: 'main' });
  await git.addRemote({ fs, dir, remote: 'origin', url });
  let pushed = false;
  let manifests = new Set<string>();

  // A daemon committing reports often (a rollout in progress) can land between the pull and the push: start again
  // from the remote tip, as a person would, a few times.
  const commitAndPush = async (files: Record<string, string>, removed: readonly string[], message: string): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await commitAndPushOnce(files, removed, message);
      } catch (err) {
        const raced = err instanceof git.Errors.PushRejectedError || err instanceof git.Errors.GitPushError;
        if (!raced || attempt >= 5) throw err;
        await git.fetch({ fs, http, dir, ref: 'main', singleBranch: true, onAuth });
        const remote = await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' });
        await git.writeRef({ fs, dir, ref: 'refs/heads/main', value: remote, force: true });
        await git.checkout({ fs, dir, ref: 'main', force: true });
      }
    }
  };

  const commitAndPushOnce = async (files: Record<string, string>, removed: readonly string[], message: string): Promise<string> => {
    if (pushed) await git.pull({ fs, http, dir, ref: 'main', singleBranch: true, fastForwardOnly: true, author: human, onAuth });
    for (const file of removed) {
      await rm(join(dir, file), { force: true });
      await git.remove({ fs, dir, filepath: file });
    }
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
      await git.add({ fs, dir, filepath: file });
    }
    const commit = await git.commit({ fs, dir, message, author: human });
    await git.push({ fs, http, dir, remote: 'origin', ref: 'main', remoteRef: 'main', onAuth });
    pushed = true;
    return commit;
  };

  return {
    dir,
    async revision(files, message = 'human: manifests') {
      const all = { 'clusters.yaml': kubeFedClusters(members), ...files };
      const removed = [...manifests].filter((file) => !(file in all));
      manifests = new Set(Object.keys(all));
      return commitAndPush(all, removed, message);
    },
    change: (files, message = 'human: change') => commitAndPush(files, [], message),
  };
}

// ---- reading the remote --------------------------------------------------------------------------------------

/** `git --git-dir <bare> …` (read-only use: rev-list, for-each-ref, show). */
export async function bareGit(bare: string, ...args: string[]): Promise<string> {
  return (await run('git', ['--git-dir', bare, ...args], { timeout: 15_000 })).stdout.trim();
}

export interface RemoteReport {
  /** The branch tip the report was read from. */
  tip: string;
  report: StatusReport;
  /** status/README.md, or undefined when the tip has none. */
  readme: string | undefined;
}

/** Clones the branch afresh (depth 1) and parses status/report.yaml; undefined when there is no report yet. */
export async function readRemoteReport(url: string, credentials: { username: string; password: string }): Promise<RemoteReport | undefined> {
  const dir = await tempDir('report');
  try {
    await git.clone({
      fs, http: timedHttp(), dir, url, ref: 'main', singleBranch: true, depth: 1, noTags: true,
      onAuth: () => ({ username: credentials.username, password: credentials.password }),
    });
    const tip = await git.resolveRef({ fs, dir, ref: 'HEAD' });
    const text = await readFile(join(dir, 'status', 'report.yaml'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const readme = await readFile(join(dir, 'status', 'README.md'), 'utf8').catch(() => undefined);
    return { tip, report: parse(text) as StatusReport, readme };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- webhooks ------------------------------------------------------------------------------------------------

/** A GitHub push payload for `main`, signed with `secret` (X-Hub-Signature-256); `signWith` signs with another. */
export async function postWebhook(
  daemonUrl: string,
  options: { secret: string; after?: string; branch?: string; signWith?: string },
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    ref: `refs/heads/${options.branch ?? 'main'}`,
    after: options.after ?? '0'.repeat(40),
    repository: { full_name: 'e2e/manifests' },
  });
  const signature = createHmac('sha256', options.signWith ?? options.secret).update(body).digest('hex');
  const response = await fetch(`${daemonUrl}/hooks/git`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signature}` },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

// ---- metrics -------------------------------------------------------------------------------------------------

/** Reconciles that reached `stage` (count of gitfed_reconcile_duration_seconds{stage}); `fetch` counts every reconcile. */
export async function stageCount(daemon: RunningDaemon, stage: string): Promise<number> {
  const { values } = await daemon.metrics.reconcileDuration.get();
  return values.find((v) => v.metricName === 'gitfed_reconcile_duration_seconds_count' && v.labels.stage === stage)?.value ?? 0;
}

/** gitfed_reconcile_failures_total{stage}. */
export async function failureCount(daemon: RunningDaemon, stage: string): Promise<number> {
  const { values } = await daemon.metrics.reconcileFailures.get();
  return values.find((v) => v.labels.stage === stage)?.value ?? 0;
}

// ---- a Git server of the test's own ---------------------------------------------------------------------------

export interface OwnGitServer {
  /** `http://127.0.0.1:<port>/<name>.git`: the lab's bare repository `name`, through this server. */
  url(name: string): string;
  /** Runs before each request is handed to git-http-backend (the request body waits meanwhile). */
  intercept(hook: ((request: IncomingMessage) => Promise<void> | void) | undefined): void;
  /** Requests seen so far, as `METHOD path?query`. */
  readonly requests: string[];
  /** Stops listening and drops open connections: the daemon sees connection refused. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Serves the lab's bare repositories (same folder, same credentials) on a port this test controls. */
export async function startOwnGitServer(lab: E2eLab): Promise<OwnGitServer> {
  const handler = createGitHttpHandler({
    projectRoot: labPaths(lab.dir).git,
    backend: await findHttpBackend(),
    username: lab.git.username,
    password: lab.git.password,
  });
  let hook: ((request: IncomingMessage) => Promise<void> | void) | undefined;
  const requests: string[] = [];
  let server: Server | undefined;
  let port = 0;
  const sockets = new Set<Socket>();

  const listen = async (): Promise<void> => {
    const next = createServer((request: IncomingMessage, response: ServerResponse) => {
      requests.push(`${request.method} ${request.url}`);
      void Promise.resolve(hook?.(request)).then(
        () => handler(request, response),
        (err: unknown) => {
          response.writeHead(500).end(String(err));
        },
      );
    });
    next.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const down = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    current.closeAllConnections();
    await closed;
  };
  await listen();
  return {
    url: (name) => gitRepoUrl({ url: `http://127.0.0.1:${port}`, username: '', password: '' }, name),
    intercept(next) {
      hook = next;
    },
    requests,
    down,
    up: listen,
    close: down,
  };
}

// ---- scenarios -----------------------------------------------------------------------------------------------

export interface StartedDaemon extends RunningDaemon {
  config: DaemonConfig;
  /** Its log lines so far (JSON, info and up). */
  logs: LogLine[];
  /** The webhook secret (also in config.webhookSecretFile). */
  secret: string;
  /** Posts a correctly signed push webhook for `main`. */
  webhook(after?: string): Promise<{ status: number; body: string }>;
}

export interface DaemonScenario {
  /** A namespace of its own, rendered by the FederatedNamespace that `manifests()` writes. */
  readonly namespace: string;
  /** A gitfed instance of its own (ownership annotation, inventory). */
  readonly instance: string;
  /** The bare repository's name in the lab, its path, and its URL through the lab's Git server. */
  readonly repoName: string;
  readonly bare: string;
  readonly url: string;
  readonly human: HumanClone;
  /** The namespace plus one federated ConfigMap per entry (`name → data`), placed on every member. */
  manifests(configMaps: Record<string, Record<string, string>>): Record<string, string>;
  /** Runs the daemon against this repository (or `repo` when given); stopped by cleanUp() unless stopped before. */
  start(config?: Partial<DaemonConfig>): Promise<StartedDaemon>;
  /** The report at the tip of the remote branch, read from a fresh clone. */
  report(): Promise<RemoteReport | undefined>;
  /** The remote branch's commits, newest first. */
  commits(): Promise<string[]>;
  /** The remote branch tip. */
  tip(): Promise<string>;
}

export interface DaemonKit {
  readonly members: string[];
  /** Reads and hand-edits members (field manager e2e-hand-edit); valid between open() and close(). */
  readonly observer: MemberRegistry;
  open(): Promise<void>;
  scenario(prefix: string): Promise<DaemonScenario>;
  /** Registers something to undo at cleanUp(); cleanups run last registered first (scenarios included). */
  defer(cleanup: () => Promise<unknown>): void;
  cleanUp(): Promise<void>;
  close(): Promise<void>;
  /** data of ConfigMap `name` in `namespace` on `cluster`, or undefined when it is not there. */
  configMapData(cluster: string, namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** `beforeAll(kit.open)`, `afterEach(kit.cleanUp)`, `afterAll(kit.close)`. */
export function daemonKit(lab: E2eLab): DaemonKit {
  const members = lab.members.map((member) => member.name);
  let observer: MemberRegistry | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const registry = (): MemberRegistry => {
    if (!observer) throw new Error('daemonKit: open() first');
    return observer;
  };
  const credentials = { username: lab.git.username, password: lab.git.password };

  const kit: DaemonKit = {
    members,
    get observer() {
      return registry();
    },
    async open() {
      observer = await observeMembers(lab.kubeconfig, members);
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
    async scenario(prefix) {
      const namespace = uniqueName(`e2e-daemon-${prefix}`);
      const instance = uniqueName(`daemon-${prefix}`);
      const repoName = uniqueName(`daemon-${prefix}`);
      const bare = await createBareRepo(lab.dir, repoName);
      const url = repoUrl(lab, repoName);
      const humanClone = await openHumanClone(url, credentials, members);
      const daemons: RunningDaemon[] = [];
      cleanups.push(async () => {
        await Promise.allSettled(daemons.map((daemon) => daemon.stop()));
        await Promise.allSettled(
          members.flatMap((member) => [
            registry().get(member).delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }),
            deleteInventory(registry().get(member), instance),
          ]),
        );
        await rm(bare, { recursive: true, force: true });
      });

      const scenario: DaemonScenario = {
        namespace,
        instance,
        repoName,
        bare,
        url,
        human: humanClone,
        manifests(configMaps) {
          return {
            'namespace.yaml': yamlOf(federatedNamespace(namespace)),
            ...Object.fromEntries(
              Object.entries(configMaps).map(([name, data]) => [`${name}.yaml`, yamlOf(federatedConfigMap({ name, namespace, data }))]),
            ),
          };
        },
        async start(overrides = {}) {
          const dir = await tempDir('daemon');
          const secret = uniqueName('secret');
          const secretFile = join(dir, 'webhook-secret');
          await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
          const config = configSchema.parse({
            repo: url,
            kubeconfig: lab.kubeconfig,
            instance,
            listen: '127.0.0.1:0',
            cacheDir: join(dir, 'cache'),
            webhookSecretFile: secretFile,
            interval: '1h',
            driftInterval: '1h',
            ...overrides,
          });
          const { logger, lines } = capturingLogger();
          const daemon = await runDaemon(config, {
            logger: logger.child({ instance }),
            env: { GITFED_GIT_USERNAME: lab.git.username, GITFED_GIT_PASSWORD: lab.git.password },
          });
          daemons.push(daemon);
          return { ...daemon, config, logs: lines, secret, webhook: (after) => postWebhook(daemon.url, { secret, ...(after ? { after } : {}) }) };
        },
        report: () => readRemoteReport(url, credentials),
        async commits() {
          return (await bareGit(bare, 'rev-list', 'main')).split('\n').filter(Boolean);
        },
        tip: () => bareGit(bare, 'rev-parse', 'main'),
      };
      return scenario;
    },
    async cleanUp() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    },
    async close() {
      await kit.cleanUp();
      await observer?.close();
      observer = undefined;
      await Promise.all(scratchDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
    async configMapData(cluster, namespace, name) {
      const object = await registry().get(cluster).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
      return object?.data as Record<string, string> | undefined;
    },
  };
  return kit;
}

/** Polls `check` every `pollMs` until it returns something other than undefined; fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
