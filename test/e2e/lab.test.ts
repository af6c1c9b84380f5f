/**
 * The lab itself, end to end: real kube-apiservers that report the real release and roll out Deployments
 * (kube-controller-manager + kube-scheduler + kwok), and a real smart-HTTP Git server that isomorphic-git and the
 * git CLI clone from, fetch from and push to, which refuses non-fast-forward pushes and wrong credentials.
 */
import { PatchStrategy, VersionApi, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import git from 'isomorphic-git';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { seedBareRepo } from '../../src/lab/index.ts';
import { apiClientFor, gitAuth, objectApiFor, repoUrl, timedHttp, uniqueName, useLab } from './lab-context.ts';

const run = promisify(execFile);
const lab = useLab();
const http = timedHttp();
const author = { name: 'gitfed e2e', email: 'e2e@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
const expectedVersion = process.env.GITFED_KUBE_VERSION ?? 'v1.34.4';

const scratch: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gitfed-e2e-${prefix}-`));
  scratch.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('lab members', () => {
  it('every member answers /version with the real release', async () => {
    expect(lab.members.map((m) => m.name)).toEqual(lab.members.map((_, i) => `member${i + 1}`));
    expect(lab.members.length).toBeGreaterThan(0);
    for (const member of lab.members) {
      const version = await apiClientFor(lab, member.name, VersionApi).getCode();
      expect(version.gitVersion, member.name).toBe(expectedVersion);
      expect(version.major).toBe('1');
      expect(version.minor).toBe(expectedVersion.split('.')[1]);
    }
  });

  it('a server-side applied Deployment becomes Available with 2 ready replicas in every member', async () => {
    const name = uniqueName('e2e-web');
    const deployment: V1Deployment & KubernetesObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default', labels: { app: name } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      },
    };
    await Promise.all(
      lab.members.map(async (member) => {
        const api = objectApiFor(lab, member.name);
        try {
          const applied = await api.patch(deployment, undefined, undefined, 'gitfed-e2e', true, PatchStrategy.ServerSideApply);
          expect(applied.metadata?.managedFields?.some((f) => f.manager === 'gitfed-e2e' && f.operation === 'Apply')).toBe(true);

          const deadline = Date.now() + 90_000;
          let live: V1Deployment = applied;
          for (;;) {
            live = await api.read<V1Deployment & KubernetesObject>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' } });
            const available = live.status?.conditions?.find((c) => c.type === 'Available')?.status === 'True';
            if (available && live.status?.readyReplicas === 2) break;
            if (Date.now() > deadline) {
              throw new Error(`${member.name}: Deployment ${name} not Available with 2 ready replicas after 90 s: ${JSON.stringify(live.status)}`);
            }
            await sleep(500);
          }
          expect(live.status?.availableReplicas, member.name).toBe(2);
        } finally {
          await api.delete(deployment).catch(() => undefined);
        }
      }),
    );
  });
});

describe('lab git server', () => {
  /** A fresh lab repository with one commit holding README.md. */
  async function seededRepo(): Promise<{ name: string; url: string; commit: string; bare: string }> {
    const name = uniqueName('repo');
    const source = await tempDir('source');
    await writeFile(join(source, 'README.md'), 'hello\n');
    const commit = await seedBareRepo(lab.dir, name, source, { message: 'seed', date: '2023-11-14T22:13:20Z' });
    return { name, url: repoUrl(lab, name), commit, bare: join(lab.dir, 'git', `${name}.git`) };
  }

  async function cloneTo(url: string): Promise<string> {
    const dir = await tempDir('clone');
    await git.clone({ fs, http, dir, url, ref: 'main', singleBranch: true, ...gitAuth(lab) });
    return dir;
  }

  async function commitFile(dir: string, file: string, text: string): Promise<string> {
    await writeFile(join(dir, file), text);
    await git.add({ fs, dir, filepath: file });
    return git.commit({ fs, dir, message: `change ${file}`, author });
  }

  async function bareHead(bare: string): Promise<string> {
    return (await run('git', ['--git-dir', bare, 'rev-parse', 'refs/heads/main'], { timeout: 10_000 })).stdout.trim();
  }

  it('isomorphic-git clones, fetches and pushes', async () => {
    const repo = await seededRepo();
    const a = await cloneTo(repo.url);
    expect(await readFile(join(a, 'README.md'), 'utf8')).toBe('hello\n');
    expect(await git.resolveRef({ fs, dir: a, ref: 'HEAD' })).toBe(repo.commit);

    const b = await cloneTo(repo.url);
    const pushed = await commitFile(b, 'app.yaml', 'kind: ConfigMap\n');
    const result = await git.push({ fs, http, dir: b, remote: 'origin', ref: 'main', ...gitAuth(lab) });
    expect(result.ok).toBe(true);
    expect(await bareHead(repo.bare)).toBe(pushed);

    const fetched = await git.fetch({ fs, http, dir: a, remote: 'origin', ref: 'main', singleBranch: true, ...gitAuth(lab) });
    expect(fetched.fetchHead).toBe(pushed);
    expect(await git.resolveRef({ fs, dir: a, ref: 'refs/remotes/origin/main' })).toBe(pushed);
  });

  it('rejects a non-fast-forward push and surfaces it as PushRejectedError (not-fast-forward)', async () => {
    const repo = await seededRepo();
    const a = await cloneTo(repo.url);
    const b = await cloneTo(repo.url);
    const winner = await commitFile(b, 'b.txt', 'b\n');
    await git.push({ fs, http, dir: b, remote: 'origin', ref: 'main', ...gitAuth(lab) });

    await commitFile(a, 'a.txt', 'a\n');
    const push = git.push({ fs, http, dir: a, remote: 'origin', ref: 'main', ...gitAuth(lab) });
    await expect(push).rejects.toMatchObject({ code: git.Errors.PushRejectedError.code, data: { reason: 'not-fast-forward' } });
    expect(await bareHead(repo.bare)).toBe(winner);

    // Forced, the client sends it; the server refuses to rewrite history, as a protected branch would.
    const forced = git.push({ fs, http, dir: a, remote: 'origin', ref: 'main', force: true, ...gitAuth(lab) });
    await expect(forced).rejects.toMatchObject({ code: git.Errors.GitPushError.code });
    expect(await bareHead(repo.bare)).toBe(winner);
  });

  it('refuses wrong or missing credentials with 401, surfaced as HttpError', async () => {
    const repo = await seededRepo();
    const wrong = git.clone({
      fs, http, dir: await tempDir('denied'), url: repo.url,
      ...gitAuth(lab, { username: lab.git.username, password: `${lab.git.password}-wrong` }),
    });
    await expect(wrong).rejects.toMatchObject({ code: git.Errors.HttpError.code, data: { statusCode: 401 } });
    const anonymous = git.clone({ fs, http, dir: await tempDir('anonymous'), url: repo.url });
    await expect(anonymous).rejects.toMatchObject({ code: git.Errors.HttpError.code, data: { statusCode: 401 } });
  });

  it('the git CLI clones and pushes through the same server', async () => {
    const repo = await seededRepo();
    const url = new URL(repo.url);
    url.username = lab.git.username;
    url.password = lab.git.password;
    const dir = join(await tempDir('cli'), 'work');
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const cli = (args: string[], cwd?: string) => run('git', args, { env, timeout: 60_000, ...(cwd ? { cwd } : {}) });
    await cli(['clone', '--quiet', url.href, dir]);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('hello\n');
    await writeFile(join(dir, 'cli.txt'), 'from the git CLI\n');
    await cli(['add', 'cli.txt'], dir);
    await cli(['-c', 'user.name=e2e', '-c', 'user.email=e2e@gitfed.invalid', 'commit', '--quiet', '-m', 'cli'], dir);
    await cli(['push', '--quiet', 'origin', 'main'], dir);
    expect(await bareHead(repo.bare)).toBe((await cli(['rev-parse', 'HEAD'], dir)).stdout.trim());
  });

  it('passes gzip-encoded request bodies through to git-http-backend', async () => {
    const repo = await seededRepo();
    const body = gzipSync(Buffer.from(`0032want ${repo.commit}\n00000009done\n`));
    const response = await new Promise<{ status: number; type: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(
        `${repo.url}/git-upload-pack`,
        {
          method: 'POST',
          signal: AbortSignal.timeout(15_000),
          headers: {
            authorization: `Basic ${Buffer.from(`${lab.git.username}:${lab.git.password}`).toString('base64')}`,
            'content-type': 'application/x-git-upload-pack-request',
            'content-encoding': 'gzip',
            'content-length': body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/x-git-upload-pack-result');
    expect(response.body.subarray(0, 12).toString('latin1')).toBe('0008NAK\nPACK');
  });
});
