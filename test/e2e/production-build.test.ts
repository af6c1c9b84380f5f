/**
 * The production build the Dockerfile makes, started from a clean copy (no Docker engine runs here or in CI):
 * `npm run build` into a temp folder, and `npm ci --omit=dev --ignore-scripts` into a folder that holds nothing but
 * dist/ and the package files — the runtime stage of the image. From there, with Node 24 (the image's), the CLI
 * prints its help, renders fixtures/quickstart, and `gitfed run` — configured as manifests/ configure it: the
 * ConfigMap's GITFED_* values and the Deployment's file paths — follows a lab Git repository, answers /healthz,
 * becomes ready, applies a push announced by a signed webhook, commits its report, passes the image's
 * HEALTHCHECK command, and exits 0 on SIGTERM.
 *
 * Also here: the Dockerfile and .dockerignore agree with that build, every file under manifests/ is valid and
 * consistent (Secrets, settings, volumes), `kubectl apply --dry-run=server -k manifests/` passes on a lab member,
 * and the pod template passes the `restricted` Pod Security level.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, configSchema, envName } from '../../src/daemon/config.ts';
import { reportApiVersion, reportKind } from '../../src/report/build-report.ts';
import { daemonKit, postWebhook, waitFor } from '../support/daemon-kit.ts';
import { objectApiFor, uniqueName, useLab } from './lab-context.ts';

const run = promisify(execFile);
const lab = useLab();
const kit = daemonKit(lab);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const member = lab.members[0]!.name;

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

// ---- the Dockerfile ----------------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function dockerfileInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  return logical.map((line) => {
    const space = line.search(/\s/);
    return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
  });
}

/** The JSON (exec form) array after `prefix` in an instruction's arguments. */
function execForm(args: string, prefix = ''): string[] {
  const json = args.slice(args.indexOf('[', args.indexOf(prefix)));
  const argv = JSON.parse(json) as unknown;
  if (!Array.isArray(argv) || !argv.every((arg) => typeof arg === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return argv;
}

/** The stages (FROM … up to the next FROM). */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

/** `KEY=value KEY2=value2` of ENV instructions (no quoting in this Dockerfile). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.keyword === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const equals = pair.indexOf('=');
      if (equals > 0) env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return env;
}

// ---- processes ---------------------------------------------------------------------------------------------------

/** The environment for npm: Node 24 (this process's) first on PATH, none of the outer npm's script variables. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.has(key)));
  delete env.INIT_CWD;
  delete env.NODE_OPTIONS;
  return { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
}

/** `npm ci --omit=dev --ignore-scripts` as in the image; from the npm cache alone when it can, else online. */
async function installProductionDependencies(dir: string): Promise<'offline' | 'online'> {
  const args = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  const options = { cwd: dir, env: npmEnv(), timeout: 150_000, maxBuffer: 16 * 1024 * 1024 };
  try {
    await run('npm', [...args, '--offline'], options);
    return 'offline';
  } catch {
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    await run('npm', [...args, '--prefer-offline'], options);
    return 'online';
  }
}

/** The environment the image gives a process: nothing from this machine but PATH, a HOME of its own, the image's ENV. */
function imageEnv(home: string, imageEnvironment: Record<string, string>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...imageEnvironment, HOME: home, ...extra };
}

interface Started {
  child: ChildProcess;
  lines: string[];
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node dist/cli/entry.js …` in the clean copy (the image's ENTRYPOINT without tini). */
function startBuilt(app: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, ['dist/cli/entry.js', ...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const out: Buffer[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      if (partial) lines.push(partial);
      done({ code, signal });
    }),
  );
  return { child, lines, stdout: () => Buffer.concat(out).toString('utf8'), exited };
}

async function runBuilt(app: string, args: string[], env: NodeJS.ProcessEnv) {
  const started = startBuilt(app, args, env);
  const timeout = setTimeout(() => started.child.kill('SIGKILL'), 30_000);
  const exit = await started.exited;
  clearTimeout(timeout);
  return { ...exit, stdout: started.stdout(), stderr: started.lines.join('\n') };
}

// ---- files -------------------------------------------------------------------------------------------------------

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Bytes of every file below `dir`. */
async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }))
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort()
    .map((file) => join(dir, file));
}

async function readDocs(file: string): Promise<Doc[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`${relative(root, file)}: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return list.map((doc) => doc.toJS() as Doc).filter((doc) => doc !== null);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// ---- the build ---------------------------------------------------------------------------------------------------

let work: string;
/** The clean copy: dist/, package.json, package-lock.json, node_modules (production). */
let app: string;
let home: string;
let instructions: Instruction[];
let runtimeEnv: Record<string, string>;
let installedFrom: 'offline' | 'online';

beforeAll(() => kit.open());
afterAll(async () => {
  await kit.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the production build the Dockerfile makes', () => {
  beforeAll(async () => {
    expect(Number(process.versions.node.split('.')[0]), 'the image runs Node 24; run the tests through npm (Node 24 from node_modules)').toBeGreaterThanOrEqual(24);
    work = await mkdtemp(join(tmpdir(), 'gitfed-production-build-'));
    app = join(work, 'app');
    home = join(work, 'home');
    const outDir = join(work, 'build', 'dist');
    await mkdir(app, { recursive: true });
    await mkdir(home, { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) await copyFile(join(root, file), join(app, file));
    // The image's two stages, side by side: the build (npm run build) and the production install.
    const [built, installed] = await Promise.allSettled([
      run('npm', ['run', 'build', '--', '--outDir', outDir], { cwd: root, env: npmEnv(), timeout: 150_000, maxBuffer: 16 * 1024 * 1024 }),
      installProductionDependencies(app),
    ]);
    if (built.status === 'rejected') {
      const err = built.reason as { stdout?: string; stderr?: string };
      throw new Error(`npm run build failed (so would the image's build stage):\n${err.stdout ?? ''}${err.stderr ?? String(err)}`);
    }
    if (installed.status === 'rejected') throw new Error(`npm ci --omit=dev --ignore-scripts failed: ${String(installed.reason)}`);
    installedFrom = installed.value;
    await cp(outDir, join(app, 'dist'), { recursive: true });
    await cp(join(root, 'schemas'), join(app, 'schemas'), { recursive: true });
    instructions = dockerfileInstructions(await readFile(join(root, 'Dockerfile'), 'utf8'));
    runtimeEnv = envOf(stages(instructions).at(-1) ?? []);
  }, 300_000);

  it('matches the Dockerfile: Node 24 slim stages, npm ci --omit=dev, non-root, tini, healthcheck, port, entry point in dist/', async () => {
    const [build, runtime] = stages(instructions) as [Instruction[], Instruction[]];
    expect(stages(instructions)).toHaveLength(2);
    const defaults = Object.fromEntries(
      instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=') as [string, string]),
    );
    for (const stage of [build, runtime]) {
      const image = stage[0]!.args.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => defaults[name] ?? name);
      expect(image).toMatch(/^node:24[.\d]*-(\w+-)?slim$/);
    }
    const runs = (stage: Instruction[]) => stage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs(build).join('\n')).toMatch(/npm ci --ignore-scripts/);
    expect(runs(build).join('\n')).toMatch(/npm run build/);
    expect(runs(runtime).join('\n')).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(runs(runtime).join('\n')).toMatch(/apt-get install .*\btini\b/);

    const user = runtime.filter((i) => i.keyword === 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(runtime.find((i) => i.keyword === 'EXPOSE')?.args).toBe('9090');
    expect(runtimeEnv.GITFED_LISTEN).toBe('0.0.0.0:9090');
    expect(runtime.find((i) => i.keyword === 'CMD')?.args).toBe('["run"]');

    // ENTRYPOINT: tini, then node on the built CLI, which the build produced.
    const entrypoint = execForm(runtime.find((i) => i.keyword === 'ENTRYPOINT')!.args);
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(entrypoint[2]).toBe('node');
    const workdir = runtime.filter((i) => i.keyword === 'WORKDIR').at(-1)!.args;
    const script = relative(workdir, entrypoint[3]!);
    expect(script).toBe(join('dist', 'cli', 'entry.js'));
    expect(await exists(join(app, script))).toBe(true);
    expect(execForm(runtime.find((i) => i.keyword === 'HEALTHCHECK')!.args, 'CMD')[0]).toBe('node');

    // The build context: .dockerignore keeps everything out but what the COPY instructions take from it.
    const ignore = (await readFile(join(root, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const copied = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.sort()).toEqual(['package-lock.json', 'package-lock.json', 'package.json', 'package.json', 'schemas', 'src', 'tsconfig.build.json', 'tsconfig.json']);
    for (const source of copied) expect(ignore).toContain(`!${source}`);

    // The clean copy has no fixtures/ (nor src/, test/ …): whatever runs below runs without them.
    expect((await readdir(app)).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json', 'schemas']);
  });

  it('holds the production dependencies of package-lock.json and no devDependency', async () => {
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean; peer?: boolean }>;
    };
    const missing: string[] = [];
    const unwanted: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/')) continue;
      const present = await exists(join(app, path, 'package.json'));
      if (entry.dev && present) unwanted.push(path);
      if (!entry.dev && !entry.optional && !entry.devOptional && !present) missing.push(path);
    }
    expect(unwanted).toEqual([]);
    expect(missing).toEqual([]);
    const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies)) expect(await exists(join(app, 'node_modules', name, 'package.json')), name).toBe(true);
    for (const name of ['vitest', 'typescript', 'eslint', 'fast-check', 'node']) {
      expect(await exists(join(app, 'node_modules', name)), `${name} is a devDependency`).toBe(false);
    }
    expect(await exists(join(app, 'node_modules', '.bin', 'node')), 'no Node binary from npm: the image has its own').toBe(false);
    // The clean copy resolves modules from its own node_modules only.
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) {
      expect(await exists(join(dir, 'node_modules')), `${dir}/node_modules would shadow missing packages`).toBe(false);
    }
    const size = await folderSize(join(app, 'node_modules'));
    const packages = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev).length;
    process.stderr.write(
      `production build: dist ${mb(await folderSize(join(app, 'dist')))}, production node_modules ${mb(size)} ` +
        `(${packages} packages, npm ci ${installedFrom})\n`,
    );
    expect(size).toBeLessThan(200 * 1024 * 1024);
  });

  it('prints the help and renders fixtures/quickstart from the clean copy', async () => {
    const env = imageEnv(home, runtimeEnv);
    const help = await runBuilt(app, ['--help'], env);
    expect(help.code, help.stderr).toBe(0);
    for (const command of ['render', 'validate', 'apply', 'status', 'run']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    // `version` imports ../../../package.json from dist/cli/commands/: the image keeps package.json beside dist/.
    if (/^\s+version\b/m.test(help.stdout)) {
      const version = await runBuilt(app, ['version'], env);
      expect(version.code, version.stderr).toBe(0);
      const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { version: string };
      expect(version.stdout).toContain(pkg.version);
    }

    const rendered = await runBuilt(app, ['render', '--repo', join(root, 'fixtures', 'quickstart'), '-o', 'json'], env);
    expect(rendered.code, rendered.stderr).toBe(0);
    const output = JSON.parse(rendered.stdout) as {
      revision: unknown;
      clusters: Record<string, { apiVersion: string; kind: string; metadata: { name: string } }[]>;
      errors: unknown[];
      replicas: { target: string; clusters: Record<string, number> }[];
    };
    expect(Object.keys(output.clusters).sort()).toEqual(['member1', 'member2', 'member3']);
    for (const objects of Object.values(output.clusters)) {
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) expect(object).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
      expect(objects.map((o) => o.kind)).toContain('Namespace');
    }
    expect(output.errors).toEqual([]);
    expect(output.replicas.length).toBeGreaterThan(0);
  });

  it('runs the daemon as the manifests configure it: healthz, readyz, a webhook push applied, the report committed, HEALTHCHECK, SIGTERM → exit 0', async () => {
    const s = await kit.scenario('prod');
    const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');

    // The settings as the pod gets them: the ConfigMap (repo and instance pointed at this scenario) and the
    // Deployment's env, its file paths moved to temp files with the same content as the Secrets would hold.
    const manifests = join(root, 'manifests');
    const configMap = (await readDocs(join(manifests, 'configmap.yaml')))[0] as { data: Record<string, string> };
    const container = deploymentContainer((await readDocs(join(manifests, 'deployment.yaml')))[0]!);
    const files = join(work, 'pod');
    await mkdir(files, { recursive: true });
    const secret = uniqueName('webhook');
    await writeFile(join(files, 'git-credentials'), `username: ${lab.git.username}\npassword: ${lab.git.password}\n`, { mode: 0o400 });
    await writeFile(join(files, 'webhook-secret'), `${secret}\n`, { mode: 0o400 });
    const pathFor: Record<string, string> = {
      GITFED_LISTEN: '127.0.0.1:0',
      GITFED_KUBECONFIG: lab.kubeconfig,
      GITFED_GIT_CREDENTIALS_FILE: join(files, 'git-credentials'),
      GITFED_WEBHOOK_SECRET_FILE: join(files, 'webhook-secret'),
      GITFED_CACHE_DIR: join(files, 'cache'),
    };
    // Coordination as the ConfigMap turns it on, with a lab member standing in for the pod's own cluster.
    expect(configMap.data.GITFED_COORDINATION_CONTEXT).toBe('in-cluster');
    const podEnv: Record<string, string> = { ...configMap.data, GITFED_REPO: s.url, GITFED_INSTANCE: s.instance, GITFED_COORDINATION_CONTEXT: member, GITFED_REPLICA_ID: 'prod-0' };
    if (!(await kit.observer.get(member).get({ apiVersion: 'v1', kind: 'Namespace', name: 'gitfed-system' }))) {
      await kit.observer.get(member).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gitfed-system' } }).catch(() => undefined);
    }
    kit.defer(() => kit.observer.get(member).delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gitfed-system', name: `gitfed-${s.instance}-status-prod-0` }));
    for (const { name } of container.env) {
      expect(Object.keys(pathFor), `the test maps Deployment env ${name}`).toContain(name);
      podEnv[name] = pathFor[name]!;
    }
    const daemon = startBuilt(app, container.args, imageEnv(home, runtimeEnv, podEnv));
    kit.defer(async () => {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
      await daemon.exited;
    });

    const url = await waitFor('the endpoints line on stderr', async () => daemon.lines.map((l) => /endpoints at (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), {
      timeoutMs: 20_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${daemon.lines.join('\n')}`);
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor('/readyz 200', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, pollMs: 200 });
    for (const name of kit.members) expect(await kit.configMapData(name, s.namespace, 'settings')).toEqual({ color: 'blue' });

    // A push announced by a signed webhook is applied well before the 30 s poll interval of the ConfigMap.
    const pushed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: green');
    expect(await postWebhook(url, { secret, after: pushed })).toMatchObject({ status: 202 });
    await waitFor(
      'the push applied on every member',
      async () => ((await Promise.all(kit.members.map((name) => kit.configMapData(name, s.namespace, 'settings')))).every((d) => d?.color === 'green') ? true : undefined),
      { timeoutMs: 15_000, pollMs: 200 },
    );
    const remote = await waitFor('the report of the push on the branch', async () => {
      const found = await s.report();
      return found?.report.source.revision === pushed ? found : undefined;
    }, { timeoutMs: 15_000, pollMs: 300 });
    expect(remote.report).toMatchObject({ apiVersion: reportApiVersion, kind: reportKind });
    expect(remote.report.clusters.map((c) => [c.name, c.ready])).toEqual(kit.members.map((name) => [name, true]));
    expect(first).not.toBe(pushed);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^gitfed_reconcile_duration_seconds_count\{/m);

    // The image's HEALTHCHECK command, against this daemon's address.
    const healthcheck = execForm(instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args, 'CMD');
    const port = new URL(url).port;
    const probe = async () =>
      run(process.execPath, healthcheck.slice(1), { env: imageEnv(home, runtimeEnv, { GITFED_LISTEN: `127.0.0.1:${port}` }), timeout: 10_000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? 1,
      );
    expect(await probe()).toBe(0);

    daemon.child.kill('SIGTERM');
    const exit = await Promise.race([daemon.exited, new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 20_000))]);
    expect(exit, daemon.lines.join('\n')).toEqual({ code: 0, signal: null });
    expect(daemon.lines.some((line) => line.includes('SIGTERM: finishing the current step'))).toBe(true);
    expect(await probe()).toBe(1);
    const output = `${daemon.lines.join('\n')}\n${daemon.stdout()}`;
    expect(output).not.toContain(lab.git.password);
    expect(output).not.toContain(secret);
  });
});

// ---- manifests/ --------------------------------------------------------------------------------------------------

interface Container {
  args: string[];
  env: { name: string; value?: string }[];
  envFrom: { configMapRef?: { name: string } }[];
}

function deploymentContainer(deployment: Doc): Container {
  const spec = (deployment as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec;
  return spec.containers[0]!;
}

describe('manifests/', () => {
  const manifests = join(root, 'manifests');

  it('parses, names every object, lists every file in kustomization.yaml, and agrees with the settings and the example Secrets', async () => {
    const files = await yamlFiles(manifests);
    const byKind = new Map<string, Doc>();
    for (const file of files) {
      const docs = await readDocs(file);
      expect(docs.length, relative(root, file)).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(doc, relative(root, file)).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
        // examples/ (Secrets to create) and capi/ (RBAC for a Cluster API management cluster) are applied apart.
        if (!file.includes(join('manifests', 'examples')) && !file.includes(join('manifests', 'capi'))) byKind.set(doc.kind!, doc);
      }
    }
    const kustomization = parse(await readFile(join(manifests, 'kustomization.yaml'), 'utf8')) as { namespace: string; resources: string[] };
    expect(kustomization.namespace).toBe('gitfed-system');
    const listed = files.filter((f) => dirname(f) === manifests && !f.endsWith('kustomization.yaml')).map((f) => relative(manifests, f));
    expect([...kustomization.resources].sort()).toEqual(listed.sort());
    expect(kustomization.resources.some((r) => r.startsWith('examples'))).toBe(false);
    expect([...byKind.keys()].sort()).toEqual(['ConfigMap', 'Deployment', 'Kustomization', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    const capi = (await Promise.all((await yamlFiles(join(manifests, 'capi'))).map(readDocs))).flat();
    expect(capi.map((doc) => doc.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    for (const doc of byKind.values()) if (doc.kind !== 'Namespace' && doc.kind !== 'Kustomization') expect(doc.metadata?.namespace).toBe('gitfed-system');

    // Settings: real GITFED_* names, and the ConfigMap plus the Deployment's env form a valid configuration.
    const deployment = byKind.get('Deployment') as Doc & {
      spec: { replicas: number; strategy: { type: string }; template: { spec: { volumes: { name: string; secret?: { secretName: string; items: { key: string }[] } }[] } } };
    };
    // Three replicas sharing the members through Leases (issue 12), replaced one at a time.
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
    const container = deploymentContainer(deployment);
    expect(container.envFrom).toEqual([{ configMapRef: { name: byKind.get('ConfigMap')!.metadata!.name } }]);
    const known = new Set(Object.keys(configSchema.shape).map(envName));
    const configMapData = (byKind.get('ConfigMap') as { data: Record<string, string> }).data;
    for (const name of [...Object.keys(configMapData), ...container.env.map((e) => e.name)]) expect(known, name).toContain(name);
    const env = { ...configMapData, ...Object.fromEntries(container.env.map((e) => [e.name, e.value ?? ''])) };
    expect(configSchema.safeParse(configFromEnv(env)).success).toBe(true);

    // Every Secret the Deployment mounts has an example with placeholder values for exactly the keys it mounts.
    const examples = (await Promise.all((await yamlFiles(join(manifests, 'examples'))).map(readDocs))).flat();
    for (const volume of deployment.spec.template.spec.volumes.filter((v) => v.secret)) {
      const example = examples.find((doc) => doc.kind === 'Secret' && doc.metadata?.name === volume.secret!.secretName) as
        | (Doc & { stringData: Record<string, string> })
        | undefined;
      expect(example, `manifests/examples/ has Secret ${volume.secret!.secretName}`).toBeDefined();
      expect(example!.metadata?.namespace).toBe('gitfed-system');
      expect(Object.keys(example!.stringData).sort()).toEqual(volume.secret!.items.map((item) => item.key).sort());
    }
  });

  it('passes a server-side dry-run apply on a lab member (kubectl apply -k), and its pod passes Pod Security "restricted"', async () => {
    const api = objectApiFor(lab, member);
    // The objects live in gitfed-system, which gitfed also keeps its member inventories in: make sure it exists, so
    // that the namespaced objects are checked (a dry-run does not create the Namespace for them). It stays.
    await api.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gitfed-system' } }).catch(() =>
      api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gitfed-system' } }).catch(() => undefined),
    );

    let objects: Doc[];
    const kubectl = await labKubectl();
    if (kubectl) {
      const args = ['--kubeconfig', lab.kubeconfig, '--context', member];
      const applied = await run(kubectl, [...args, 'apply', '--dry-run=server', '-k', manifests], { timeout: 60_000 }).catch((err: { stderr?: string }) => {
        throw new Error(`kubectl apply --dry-run=server -k manifests/ failed:\n${err.stderr ?? String(err)}`);
      });
      for (const object of [
        'namespace/gitfed-system', 'serviceaccount/gitfed', 'configmap/gitfed', 'service/gitfed', 'deployment.apps/gitfed',
        'role.rbac.authorization.k8s.io/gitfed-coordination', 'rolebinding.rbac.authorization.k8s.io/gitfed-coordination', 'poddisruptionbudget.policy/gitfed',
      ]) {
        expect(applied.stdout).toMatch(new RegExp(`^${object} \\w+ \\(server dry run\\)$`, 'm'));
      }
      objects = parseAllDocuments((await run(kubectl, ['kustomize', manifests], { timeout: 60_000 })).stdout).map((d) => d.toJS() as Doc);
    } else {
      // No kubectl in the lab's bin folder: the plain files through client-node (server-side apply, dry run).
      objects = [];
      for (const file of await yamlFiles(manifests)) {
        if (file.includes(join('manifests', 'examples')) || file.endsWith('kustomization.yaml')) continue;
        objects.push(...(await readDocs(file)));
      }
      for (const object of objects) {
        await api.patch(object as KubernetesObject, undefined, 'All', 'gitfed-e2e', true, PatchStrategy.ServerSideApply);
      }
    }

    // Pod Security: the Deployment's pod in a namespace enforcing "restricted" (and a bare pod refused there, to
    // show the check is on). Dry runs; the namespace is removed afterwards.
    const namespace = uniqueName('e2e-pss');
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    try {
      await api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gitfed', namespace } });
      const deployment = objects.find((o) => o.kind === 'Deployment') as Doc & { spec: { template: { spec: Record<string, unknown> } } };
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gitfed', namespace }, spec: deployment.spec.template.spec };
      await expect(api.create(pod, undefined, 'All')).resolves.toMatchObject({ kind: 'Pod' });
      const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace }, spec: { serviceAccountName: 'gitfed', containers: [{ name: 'c', image: 'gitfed:0.1.0' }] } };
      await expect(api.create(bare, undefined, 'All')).rejects.toThrow(/restricted/);
    } finally {
      await api.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => undefined);
    }
  });
});

/** kubectl from the lab's binaries (GITFED_LAB_BIN, or the folder lab/build-binaries.sh builds into), if there. */
async function labKubectl(): Promise<string | undefined> {
  const dir =
    process.env.GITFED_LAB_BIN ||
    (await run('bash', [join(root, 'lab', 'build-binaries.sh'), '--print'], { timeout: 10_000 }).then(
      (r) => r.stdout.trim().split('\n').at(-1),
      () => undefined,
    ));
  if (!dir) return undefined;
  const kubectl = join(dir, 'kubectl');
  return access(kubectl, constants.X_OK).then(
    () => kubectl,
    () => undefined,
  );
}
