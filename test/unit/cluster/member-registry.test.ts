import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createMemberRegistry,
  kubeConfigForMember,
  loadKubeconfig,
  resolveKubeconfigSource,
} from '../../../src/cluster/member-registry.ts';
import { GitfedError } from '../../../src/model/diagnostic.ts';

const token = 'tok-3f9a1c-never-print-me';
const keyData = Buffer.from('-----BEGIN PRIVATE KEY-----\nnever-print-me-either\n-----END PRIVATE KEY-----\n').toString('base64');
const logger = pino({ level: 'silent' });

function kubeconfig(members: { name: string; server: string }[], extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': members[0]?.name ?? '',
    clusters: members.map((m) => ({ name: m.name, cluster: { server: m.server, 'insecure-skip-tls-verify': true } })),
    users: members.map((m) => ({ name: m.name, user: { token, 'client-key-data': keyData } })),
    contexts: members.map((m) => ({ name: m.name, context: { cluster: m.name, user: m.name } })),
    ...extra,
  });
}

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitfed-registry-'));
  file = join(dir, 'kubeconfig');
  await writeFile(file, kubeconfig([
    { name: 'east', server: 'https://east.invalid:6443' },
    { name: 'west', server: 'https://west.invalid:6443' },
  ]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function usageError(promise: Promise<unknown>): Promise<GitfedError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(GitfedError);
  expect((err as GitfedError).code).toBe('UsageError');
  return err as GitfedError;
}

describe('resolveKubeconfigSource', () => {
  const home = '/home/someone';
  it('prefers --kubeconfig, then KUBECONFIG (every file listed), then ~/.kube/config', () => {
    expect(resolveKubeconfigSource('/flag', { KUBECONFIG: '/env' }, home)).toEqual({ files: ['/flag'], from: '--kubeconfig' });
    expect(resolveKubeconfigSource(undefined, { KUBECONFIG: `/a${delimiter}${delimiter}/b` }, home)).toEqual({ files: ['/a', '/b'], from: 'KUBECONFIG' });
    expect(resolveKubeconfigSource(undefined, { KUBECONFIG: '' }, home)).toEqual({ files: [join(home, '.kube', 'config')], from: 'default' });
    expect(resolveKubeconfigSource(undefined, {}, home)).toEqual({ files: [join(home, '.kube', 'config')], from: 'default' });
  });
});

describe('createMemberRegistry', () => {
  it('builds one client per member, named after its context', async () => {
    const registry = await createMemberRegistry({ clusters: ['west', 'east'], kubeconfig: file }, { logger, env: {} });
    expect([...registry.clients.keys()]).toEqual(['west', 'east']);
    expect(registry.get('east').cluster).toBe('east');
    expect(registry.get('east')).not.toBe(registry.get('west'));
    await registry.close();
  });

  it('reads KUBECONFIG when no --kubeconfig is given', async () => {
    const registry = await createMemberRegistry({ clusters: ['east'] }, { logger, env: { KUBECONFIG: file }, homeDir: '/nonexistent' });
    expect(registry.get('east').cluster).toBe('east');
    await registry.close();
  });

  it('names the missing cluster and lists the contexts that exist, without printing the kubeconfig', async () => {
    const err = await usageError(createMemberRegistry({ clusters: ['east', 'north'], kubeconfig: file }, { logger, env: {} }));
    expect(err.message).toBe(`cluster "north" has no context of the same name in kubeconfig ${file} (from --kubeconfig); contexts there: east, west`);
    expect(err.where).toEqual({ cluster: 'north' });
    expect(err.message).not.toContain(token);
  });

  it('reports every missing cluster at once', async () => {
    const err = await usageError(createMemberRegistry({ clusters: ['north', 'south', 'east'], kubeconfig: file }, { logger, env: {} }));
    expect(err.message).toContain('clusters "north", "south" have no context');
    expect(err.message).toContain('contexts there: east, west');
  });

  it('says so when the kubeconfig file does not exist', async () => {
    const missing = join(dir, 'nope');
    const err = await usageError(createMemberRegistry({ clusters: ['east'] }, { logger, env: { KUBECONFIG: missing } }));
    expect(err.message).toBe(`kubeconfig ${missing} (from KUBECONFIG) does not exist`);
    const fallback = await usageError(createMemberRegistry({ clusters: ['east'] }, { logger, env: {}, homeDir: dir }));
    expect(fallback.message).toContain('(the default location) does not exist');
  });

  it('does not quote a kubeconfig that fails to parse', async () => {
    const broken = join(dir, 'broken');
    await writeFile(broken, `users:\n- name: x\n  user:\n    token: ${token}\n   bad: [indent\n`);
    const err = await usageError(createMemberRegistry({ clusters: ['x'], kubeconfig: broken }, { logger, env: {} }));
    expect(err.message).toMatch(/^kubeconfig .*broken is not a valid kubeconfig: YAML error at line \d+$/);
    expect(err.message).not.toContain(token);
  });

  it('reports a context that names a cluster the kubeconfig lacks', async () => {
    const dangling = join(dir, 'dangling');
    await writeFile(dangling, stringify({
      clusters: [],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'east', context: { cluster: 'gone', user: 'u' } }],
    }));
    const err = await usageError(createMemberRegistry({ clusters: ['east'], kubeconfig: dangling }, { logger, env: {} }));
    expect(err.message).toContain('context "east" names cluster "gone", which kubeconfig');
  });
});

describe('loadKubeconfig with several files', () => {
  it('merges them and lets the first file that defines a name win, as kubectl does', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    await writeFile(first, kubeconfig([{ name: 'east', server: 'https://first.invalid' }]));
    await writeFile(second, kubeconfig([
      { name: 'east', server: 'https://second.invalid' },
      { name: 'south', server: 'https://south.invalid' },
    ]));
    const source = { files: [first, join(dir, 'absent'), second], from: 'KUBECONFIG' as const };
    const kc = await loadKubeconfig(source);
    expect(kc.getContexts().map((c) => c.name)).toEqual(['east', 'south']);
    expect(kubeConfigForMember(kc, 'east', source).getCurrentCluster()?.server).toBe('https://first.invalid');
    expect(kubeConfigForMember(kc, 'south', source).getCurrentCluster()?.server).toBe('https://south.invalid');
  });
});
