/**
 * `gitfed run` as a process against the lab: SIGTERM while a reconcile runs finishes it, exits 0, and leaves the
 * remote branch with complete commits only (no half-written report, no scratch ref).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reportApiVersion, reportKind, type StatusReport } from '../../src/report/build-report.ts';
import { bareGit, daemonKit, postWebhook, tempDir, waitFor } from '../support/daemon-kit.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface LogLine {
  msg?: string;
  revision?: string;
  [field: string]: unknown;
}

/** `gitfed run …` as a child process; stderr is kept line by line (JSON log lines parsed). */
function startGitfed(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GITFED_GIT_USERNAME: lab.git.username,
    GITFED_GIT_PASSWORD: lab.git.password,
    GITFED_LOG_FORMAT: 'json',
  };
  delete env.NODE_OPTIONS; // the test runner's loader hooks stay out of the child
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'gitfed.js'), 'run', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  kit.defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const logs = (): LogLine[] =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  return { child, lines, logs, exited };
}

describe('gitfed run as a process', () => {
  it('finishes the reconcile in progress on SIGTERM, exits 0, and leaves only complete commits on the branch', async () => {
    const s = await kit.scenario('sigterm');
    const names = Array.from({ length: 60 }, (_, i) => `cm${String(i).padStart(2, '0')}`);
    const first = await s.human.revision(s.manifests(Object.fromEntries(names.map((name) => [name, { v: '1' }]))), 'human: v1');
    const dir = await tempDir('sigterm');
    const secret = uniqueName('secret');
    await writeFile(join(dir, 'webhook-secret'), `${secret}\n`, { mode: 0o600 });
    const gitfed = startGitfed([
      '--repo', s.url, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '--listen', '127.0.0.1:0',
      '--cache-dir', join(dir, 'cache'), '--webhook-secret-file', join(dir, 'webhook-secret'),
      '--interval', '1h', '--drift-interval', '1h', '--log-level', 'info',
    ]);
    const url = await waitFor('the endpoints line', async () => gitfed.lines.map((l) => /endpoints at (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), {
      timeoutMs: 20_000,
    });
    await waitFor('ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, pollMs: 200 });
    await waitFor('the first report on the branch', async () => ((await s.report())?.report.source.revision === first ? true : undefined), {
      pollMs: 200,
    });

    // A push that changes every object, the webhook, and SIGTERM as soon as the daemon has fetched it.
    const pushed = await s.human.revision(s.manifests(Object.fromEntries(names.map((name) => [name, { v: '2' }]))), 'human: v2');
    expect(await postWebhook(url, { secret, after: pushed })).toMatchObject({ status: 202 });
    await waitFor('the fetch of the push', async () => gitfed.logs().some((l) => l.msg === 'new revision' && l.revision === pushed) || undefined, {
      timeoutMs: 10_000,
      pollMs: 5,
    });
    const signalled = Date.now();
    gitfed.child.kill('SIGTERM');
    const exit = await Promise.race([gitfed.exited, new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 15_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(15_000);

    // The signal arrived mid-reconcile: the reconcile of the push ended after it (or not at all).
    const notice = gitfed.lines.findIndex((l) => l.includes('SIGTERM: finishing the current step'));
    expect(notice).toBeGreaterThanOrEqual(0);
    const ended = gitfed.lines.findIndex((l) => {
      const log = (() => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return {} as LogLine;
        }
      })();
      return log.revision === pushed && (log.msg === 'reconciled' || log.msg === 'reconcile stopped');
    });
    if (ended >= 0) expect(ended).toBeGreaterThan(notice);

    // Only complete commits: every gitfed commit carries a whole report (both files, report.yaml parses) and
    // changes nothing outside the report folder; no scratch ref is left, on the remote or in the cache.
    const commits = await s.commits();
    expect(commits).toContain(pushed);
    for (const commit of commits) {
      const author = await bareGit(s.bare, 'log', '-1', '--format=%ae', commit);
      if (author !== 'gitfed@localhost') continue;
      const changed = (await bareGit(s.bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', `${commit}^`, commit)).split('\n');
      expect(changed.every((file) => file.startsWith('status/'))).toBe(true);
      const report = parse(await bareGit(s.bare, 'show', `${commit}:status/report.yaml`)) as StatusReport;
      expect(report).toMatchObject({ apiVersion: reportApiVersion, kind: reportKind });
      expect(commits).toContain(report.source.revision);
      expect(await bareGit(s.bare, 'show', `${commit}:status/README.md`)).not.toBe('');
    }
    expect(await bareGit(s.bare, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
    expect(await bareGit(join(dir, 'cache', 'git'), 'for-each-ref', '--format=%(refname)', 'refs/gitfed/')).toBe('');
  });
});
