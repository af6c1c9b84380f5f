/**
 * A FederatedSecret pushed to the daemon configured as production configures it (the compiled dist/, NODE_ENV=
 * production, JSON logs, the settings of manifests/configmap.yaml, the log level at the most verbose the settings
 * allow): the members get the Secret, and no value of it, nor of two Secrets the members refuse (an invalid key;
 * a nested value the apiserver quotes back in its error), appears in the committed report.yaml or README.md, or
 * in any line the daemon wrote to stdout or stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/daemon/config.ts';
import type { StatusReport } from '../../src/report/build-report.ts';
import { federated, federatedNamespace, yamlOf } from '../support/e2e-repo.ts';
import { bareGit, daemonKit, waitFor } from '../support/daemon-kit.ts';
import { buildProduction, type ProductionBuild } from '../support/gitfed-daemon-process.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
let build: ProductionBuild;
let work: string;

beforeAll(async () => {
  await kit.open();
  work = await mkdtemp(join(tmpdir(), 'gitfed-e2e-secrets-'));
  build = await buildProduction();
}, 300_000);
afterEach(() => kit.cleanUp());
afterAll(async () => {
  await kit.close();
  await build?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const distinct = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;

/** A PEM block whose every line is distinctive. */
function pem(label: string): string {
  const body = Array.from({ length: 4 }, () => randomBytes(48).toString('base64'));
  return [`-----BEGIN ${label}-----`, ...body, `-----END ${label}-----`, ''].join('\n');
}

/** Every form a value must never take in the output: raw, base64, and each line of a multi-line one. */
function formsOf(value: string): string[] {
  const lines = value.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return [value.trimEnd(), b64(value), ...(lines.length > 1 ? lines : [])];
}

describe('the production daemon and Secrets', () => {
  it('applies a FederatedSecret and leaves none of its values, nor those of refused Secrets, in report.yaml, README.md or any output line', async () => {
    const s = await kit.scenario('secrets');
    const password = distinct('password');
    const privateKey = pem('PRIVATE KEY');
    const token = distinct('token');
    const certificate = pem('CERTIFICATE');
    const refusedValue = distinct('refused');
    const echoedValue = distinct('echoed');
    const secret = (name: string, template: Record<string, unknown>) =>
      federated('Secret', { name, namespace: s.namespace }, { type: 'Opaque', ...template });
    const pushed = await s.human.revision({
      'namespace.yaml': yamlOf(federatedNamespace(s.namespace)),
      'secrets.yaml': yamlOf(
        secret('app-credentials', { data: { password: b64(password), 'tls.key': b64(privateKey) }, stringData: { token, 'ca.crt': certificate } }),
        // Refused by every member: an invalid key name; a nested value, which the apiserver quotes back.
        secret('bad-key', { data: { 'bad key!': b64(refusedValue) } }),
        secret('echoed', { data: { nested: { inner: echoedValue } } }),
      ),
    });
    const forbidden = [...formsOf(password), ...formsOf(privateKey), ...formsOf(token), ...formsOf(certificate), ...formsOf(refusedValue), echoedValue];
    expect(forbidden.length).toBeGreaterThan(20);

    // Configured as the Deployment configures it: manifests/configmap.yaml's settings, this scenario's repository
    // and instance, the file paths the Deployment mounts moved to temp files.
    const configMap = parse(await readFile(join(root, 'manifests', 'configmap.yaml'), 'utf8')) as { data: Record<string, string> };
    const files = join(work, 'pod');
    await mkdir(files, { recursive: true });
    await writeFile(join(files, 'git-credentials'), `username: ${lab.git.username}\npassword: ${lab.git.password}\n`, { mode: 0o400 });
    await writeFile(join(files, 'webhook-secret'), `${uniqueName('webhook')}\n`, { mode: 0o400 });
    const mostVerbose = configSchema.shape.logLevel.removeDefault().options.at(-1)!;
    const home = join(work, 'home');
    await mkdir(home, { recursive: true });
    const daemon = build.start(['run'], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ...configMap.data,
      GITFED_REPO: s.url,
      GITFED_INSTANCE: s.instance,
      // The Deployment coordinates its replicas in-cluster; here a lab member is the coordination cluster.
      GITFED_COORDINATION_CONTEXT: lab.members[0]!.name,
      GITFED_REPLICA_ID: uniqueName('secrets'),
      GITFED_LOG_LEVEL: mostVerbose,
      GITFED_LISTEN: '127.0.0.1:0',
      GITFED_KUBECONFIG: lab.kubeconfig,
      GITFED_GIT_CREDENTIALS_FILE: join(files, 'git-credentials'),
      GITFED_WEBHOOK_SECRET_FILE: join(files, 'webhook-secret'),
      GITFED_CACHE_DIR: join(files, 'cache'),
    });
    kit.defer(() => daemon.kill());
    await daemon.endpoints(30_000);

    const remote = await waitFor(
      'the report of the push on the branch',
      async () => {
        const found = await s.report();
        return found?.report.source.revision === pushed ? found : undefined;
      },
      { timeoutMs: 60_000, pollMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${[...daemon.stderr, ...daemon.stdout].join('\n').slice(-3000)}`);
    });

    // The members hold the Secret: data as given, stringData stored base64-encoded under data.
    for (const member of kit.members) {
      const live = await kit.observer.get(member).get({ apiVersion: 'v1', kind: 'Secret', namespace: s.namespace, name: 'app-credentials' });
      expect(live?.data, member).toEqual({ password: b64(password), 'tls.key': b64(privateKey), token: b64(token), 'ca.crt': b64(certificate) });
      for (const name of ['bad-key', 'echoed']) {
        expect(await kit.observer.get(member).get({ apiVersion: 'v1', kind: 'Secret', namespace: s.namespace, name }), `${member} ${name}`).toBeNull();
      }
    }

    // The report names all three, and says why the two were not applied: the invalid key is the members' refusal
    // (a key name is not in the schema), the nested value is held by schema validation before any member sees it
    // (ObjectInvalid, naming the field, never the value).
    const secrets = remote.report.resources.filter((r) => r.kind === 'Secret');
    expect(secrets.map((r) => r.name).sort()).toEqual(['app-credentials', 'bad-key', 'echoed']);
    const refusals = (name: string) => secrets.filter((r) => r.name === name).flatMap((r) => r.clusters.map((c) => c.message ?? ''));
    expect(refusals('bad-key')).toHaveLength(kit.members.length);
    for (const message of refusals('bad-key')) expect(message).toMatch(/invalid/);
    expect(refusals('echoed')).toHaveLength(kit.members.length);
    for (const message of refusals('echoed')) expect(message).toMatch(/^ObjectInvalid: .*\bdata\b/);

    const exit = await daemon.signal('SIGTERM', 30_000);
    expect(exit).toEqual({ code: 0, signal: null });

    // The files as committed, at the branch tip (the daemon has stopped: nothing moves it any more).
    const tip = await s.tip();
    const committed = async (file: string) => bareGit(s.bare, 'show', `${tip}:status/${file}`);
    expect((parse(await committed('report.yaml')) as StatusReport).source.revision).toBe(pushed);
    const texts: [string, string][] = [
      ['status/report.yaml', await committed('report.yaml')],
      ['status/README.md', await committed('README.md')],
      ...daemon.stdout.map((line, i): [string, string] => [`stdout line ${i + 1}`, line]),
      ...daemon.stderr.map((line, i): [string, string] => [`stderr line ${i + 1}`, line]),
    ];
    expect(texts[1]![1]).toContain('bad-key');
    expect(daemon.stderr.length + daemon.stdout.length).toBeGreaterThan(10);
    // The log lines searched below include lines about the refused Secrets (requests at debug, failures).
    const aboutRefused = [...daemon.stderr, ...daemon.stdout].filter((line) => /[/"](bad-key|echoed)\b/.test(line));
    expect(aboutRefused.length).toBeGreaterThanOrEqual(2);
    const leaks = texts.flatMap(([where, text]) => forbidden.filter((value) => text.includes(value)).map((value) => `${where}: ${value.slice(0, 24)}…`));
    expect(leaks).toEqual([]);
  });
});
