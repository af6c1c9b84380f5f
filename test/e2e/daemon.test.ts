/**
 * The daemon end to end against the lab (issue 5, "Tests"): runDaemon in-process, a bare repository of its own per
 * test (pushed to with isomorphic-git, as a person would), its own instance and namespace on the shared members,
 * and the report read back from the remote. Where the Git server has to misbehave (go down, make the daemon wait,
 * race a push), the test serves the same bare repository through a Git server of its own; the lab's server is
 * never touched.
 */
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reportApiVersion, reportKind } from '../../src/report/build-report.ts';
import { configMapRef, kubeconfigCopy } from '../support/e2e-repo.ts';
import {
  bareGit,
  daemonKit,
  failureCount,
  human,
  postWebhook,
  sleep,
  stageCount,
  startOwnGitServer,
  waitFor,
  type DaemonScenario,
  type StartedDaemon,
} from '../support/daemon-kit.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

/** Waits for the reconcile in progress (and any queued) to finish, then returns the outcome. */
async function settled(daemon: StartedDaemon) {
  await daemon.idle();
  return daemon.lastOutcome();
}

/** Resolves once `color` is the `settings` ConfigMap's color on every member in `members`. */
function colorEverywhere(s: DaemonScenario, color: string, options: { members?: readonly string[]; timeoutMs?: number; pollMs?: number } = {}) {
  const members = options.members ?? kit.members;
  return waitFor(
    `settings.color = ${color} on ${members.join(', ')}`,
    async () => {
      const data = await Promise.all(members.map((m) => kit.configMapData(m, s.namespace, 'settings')));
      return data.every((d) => d?.color === color) ? true : undefined;
    },
    { timeoutMs: options.timeoutMs ?? 30_000, pollMs: options.pollMs ?? 50 },
  );
}

async function colors(s: DaemonScenario): Promise<(string | undefined)[]> {
  return Promise.all(kit.members.map(async (m) => (await kit.configMapData(m, s.namespace, 'settings'))?.color));
}

/** A scenario with `settings.color = blue` pushed, and the daemon started on it with its first reconcile done. */
async function running(prefix: string, config: Parameters<DaemonScenario['start']>[0] = {}) {
  const s = await kit.scenario(prefix);
  const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');
  const daemon = await s.start(config);
  await untilApplied(daemon, first);
  return { s, daemon, first };
}

/** Waits until `revision` is the applied one (gitfed_applied_revision_info) and the daemon is idle. */
async function untilApplied(daemon: StartedDaemon, revision: string): Promise<void> {
  await waitFor(`revision ${revision} applied`, async () => {
    const { values } = await daemon.metrics.appliedRevision.get();
    return values.some((v) => v.labels.revision === revision && v.value === 1) || undefined;
  });
  await daemon.idle();
}

describe('daemon: following the branch', () => {
  it('applies a push on every member within 5 s of a signed webhook', async () => {
    const { s, daemon } = await running('webhook', { interval: '1h' });
    await colorEverywhere(s, 'blue', { timeoutMs: 1_000 });

    const pushed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: green');
    const started = Date.now();
    expect(await daemon.webhook(pushed)).toMatchObject({ status: 202 });
    await colorEverywhere(s, 'green', { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: pushed });
  });

  it('applies a push without a webhook within the poll interval and a little', async () => {
    const { s, daemon } = await running('interval', { interval: '1s' });
    const pushed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: green');
    const started = Date.now();
    await colorEverywhere(s, 'green', { timeoutMs: 10_000 });
    const applied = Date.now() - started;
    // The poll found it within the interval (plus the ls-refs and fetch that found it) ...
    const found = daemon.logs.find((line) => line.msg === 'new revision' && line.revision === pushed);
    expect(found).toBeDefined();
    expect(found!.time - started).toBeLessThan(1_000 + 1_000);
    // ... and the reconcile it started applied it (a small repository: well under a few seconds, even on a busy machine).
    expect(applied).toBeLessThan(1_000 + 4_000);
    await untilApplied(daemon, pushed); // (the outcome may be a later, idle poll's by now)
  });

  it('commits a status report on top of the applied revision, as gitfed, with report.yaml and README.md', async () => {
    const { s, first } = await running('report');
    const remote = await s.report();
    expect(remote).toBeDefined();
    const { tip, report, readme } = remote!;

    // The report commit sits right on the pushed commit, by gitfed, and touches only the report folder.
    expect(await bareGit(s.bare, 'log', '-1', '--format=%an <%ae>|%P|%s', tip)).toBe(`gitfed <gitfed@localhost>|${first}|gitfed: status report for ${first.slice(0, 12)}`);
    expect((await bareGit(s.bare, 'diff', '--name-only', first, tip)).split('\n')).toEqual(['status/README.md', 'status/report.yaml']);

    expect(report).toMatchObject({ apiVersion: reportApiVersion, kind: reportKind, source: { revision: first } });
    expect(report.failure).toBeUndefined();
    expect(report.clusters.map(({ name, ready }) => ({ name, ready }))).toEqual(kit.members.map((name) => ({ name, ready: true })));
    const settings = report.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'settings');
    expect(settings).toMatchObject({ namespace: s.namespace, federatedObject: `FederatedConfigMap/${s.namespace}/settings` });
    expect(settings?.clusters).toEqual(kit.members.map((name) => ({ name, propagation: 'ClusterPropagationOK', health: 'Current' })));
    expect(report.resources.find((r) => r.kind === 'Namespace' && r.name === s.namespace)?.clusters.map((c) => c.propagation)).toEqual(
      kit.members.map(() => 'ClusterPropagationOK'),
    );
    expect(report.drift).toEqual([]);

    expect(readme).toBeDefined();
    expect(readme).toContain(first.slice(0, 12));
    expect(readme).toContain('settings');
  });
});

describe('daemon: drift', () => {
  it('puts back a hand edit on a member at the next drift pass and counts it in the report', async () => {
    const { s, daemon, first } = await running('drift');
    const settings = configMapRef(s.namespace, 'settings');
    await kit.observer.get('member2').mergePatch(settings, { data: { color: 'hand-edited' } });

    // A poll that finds no new commit leaves members alone: only the drift pass compares with live state.
    daemon.trigger('interval');
    expect(await settled(daemon)).toEqual({ kind: 'idle' });
    expect(await colors(s)).toEqual(['blue', 'hand-edited', 'blue']);

    daemon.trigger('drift');
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: first });
    expect(await colors(s)).toEqual(['blue', 'blue', 'blue']);

    const { values } = await daemon.metrics.driftCorrections.get();
    expect(values.map((v) => [v.labels.cluster, v.value])).toEqual([['member2', 1]]);
    const { report, readme } = (await s.report())!;
    expect(report.source.revision).toBe(first);
    expect(report.drift).toEqual([
      { cluster: 'member2', corrected: 1, objects: [{ id: `ConfigMap/${s.namespace}/settings`, fields: ['data.color'] }] },
    ]);
    expect(readme).toContain(`ConfigMap/${s.namespace}/settings`);
  });
});

describe('daemon: failures', () => {
  it('keeps the last good state while the Git server is down, says SourceFetchFailed, and recovers when it returns', async () => {
    const own = await startOwnGitServer(lab);
    kit.defer(() => own.close());
    const s = await kit.scenario('gitdown');
    const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');
    const daemon = await s.start({ repo: own.url(s.repoName) });
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: first });
    const reportBefore = await s.tip();

    await own.down();
    // Someone pushes through the lab's server meanwhile; the daemon cannot see it.
    const pushed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: green');
    daemon.trigger('interval');
    expect(await settled(daemon)).toMatchObject({ kind: 'failed', stage: 'SourceFetchFailed', revision: first });
    // A drift pass cannot fetch either, but still puts the last good state back on the members.
    await kit.observer.get('member1').mergePatch(configMapRef(s.namespace, 'settings'), { data: { color: 'hand-edited' } });
    daemon.trigger('drift');
    expect(await settled(daemon)).toMatchObject({ kind: 'failed', stage: 'SourceFetchFailed', revision: first });
    expect(await failureCount(daemon, 'SourceFetchFailed')).toBe(2);
    expect((await daemon.metrics.gitFetchErrors.get()).values[0]?.value).toBe(2);
    expect(await colors(s)).toEqual(['blue', 'blue', 'blue']);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    expect(await s.tip()).toBe(pushed); // nothing was committed while down
    expect(await bareGit(s.bare, 'rev-parse', `${pushed}^`)).toBe(reportBefore);

    await own.up();
    daemon.trigger('interval');
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: pushed });
    expect(await colors(s)).toEqual(['green', 'green', 'green']);
    expect((await s.report())?.report.source.revision).toBe(pushed);
    expect(await failureCount(daemon, 'SourceFetchFailed')).toBe(2);
  });

  it('converges the reachable members while one is down, and marks it not ready in the report', async () => {
    const down = 'member3';
    const up = kit.members.filter((m) => m !== down);
    const kubeconfig = await kubeconfigCopy(lab.kubeconfig, { unreachable: [down] });
    kit.defer(() => kubeconfig.remove());
    const s = await kit.scenario('memberdown');
    const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');
    const daemon = await s.start({ kubeconfig: kubeconfig.file });
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: first });
    await colorEverywhere(s, 'blue', { members: up, timeoutMs: 1_000 });
    expect(await kit.configMapData(down, s.namespace, 'settings')).toBeUndefined();

    const pushed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: green');
    expect(await daemon.webhook(pushed)).toMatchObject({ status: 202 });
    await colorEverywhere(s, 'green', { members: up, timeoutMs: 10_000 });
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: pushed });

    const { report } = (await s.report())!;
    expect(report.source.revision).toBe(pushed);
    expect(report.clusters.map(({ name, ready }) => ({ name, ready }))).toEqual(kit.members.map((name) => ({ name, ready: name !== down })));
    expect(report.clusters.find((c) => c.name === down)?.message).toBeTruthy();
    const settings = report.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'settings');
    for (const name of up) expect(settings?.clusters.find((c) => c.name === name)).toMatchObject({ propagation: 'ClusterPropagationOK' });
    expect(settings?.clusters.find((c) => c.name === down)?.propagation).not.toBe('ClusterPropagationOK');
    expect((await daemon.metrics.memberReady.get()).values.map((v) => [v.labels.cluster, v.value]).sort()).toEqual(
      kit.members.map((name) => [name, name === down ? 0 : 1]),
    );
  });

  it('applies nothing from a revision with an invalid manifest, reports it with file:line, and keeps the last good revision', async () => {
    const { s, daemon, first } = await running('invalid');
    const broken = await s.human.revision(
      {
        ...s.manifests({ settings: { color: 'green' } }),
        'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\n  name: again\n',
      },
      'human: green, and a broken file',
    );
    expect(await daemon.webhook(broken)).toMatchObject({ status: 202 });
    await waitFor('the reconcile of the broken revision', async () => (await settled(daemon))?.kind === 'failed' || undefined);
    expect(daemon.lastOutcome()).toMatchObject({ kind: 'failed', stage: 'ManifestInvalid', revision: broken });
    expect(await failureCount(daemon, 'ManifestInvalid')).toBe(1);
    expect(await colors(s)).toEqual(['blue', 'blue', 'blue']);

    const { report, readme, tip } = (await s.report())!;
    expect(await bareGit(s.bare, 'rev-parse', `${tip}^`)).toBe(broken);
    expect(report.source.revision).toBe(first);
    expect(report.failure).toMatchObject({ stage: 'ManifestInvalid', revision: broken });
    expect(report.failure?.errors).toEqual([expect.objectContaining({ code: 'YamlSyntax', file: 'broken.yaml', line: 5 })]);
    expect(readme).toContain('broken.yaml:5');
    // The last good revision stays in force on the members: the resources shown are still there, as applied.
    expect(report.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'settings')).toBeDefined();

    // No loop: the failure report is committed once.
    const commits = (await s.commits()).length;
    daemon.trigger('interval');
    expect(await settled(daemon)).toEqual({ kind: 'idle' });
    expect(await s.commits()).toHaveLength(commits);

    // While the newest revision is broken, a drift pass still puts the last good state back.
    await kit.observer.get('member3').mergePatch(configMapRef(s.namespace, 'settings'), { data: { color: 'hand-edited' } });
    daemon.trigger('drift');
    expect(await settled(daemon)).toMatchObject({ kind: 'failed', stage: 'ManifestInvalid' });
    expect(await colors(s)).toEqual(['blue', 'blue', 'blue']);

    // Fixing the file applies the revision.
    const fixed = await s.human.revision(s.manifests({ settings: { color: 'green' } }), 'human: drop the broken file');
    expect(await daemon.webhook(fixed)).toMatchObject({ status: 202 });
    await colorEverywhere(s, 'green', { timeoutMs: 10_000 });
    expect(await settled(daemon)).toMatchObject({ kind: 'applied', revision: fixed });
    const after = (await s.report())!.report;
    expect(after.source.revision).toBe(fixed);
    expect(after.failure).toBeUndefined();
  });
});

describe('daemon: the report and the branch', () => {
  it('lands its report on top of a human push that races it, loses nothing, and does not loop', async () => {
    const own = await startOwnGitServer(lab);
    kit.defer(() => own.close());
    const s = await kit.scenario('race');
    const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');
    let theirs: string | undefined;
    // The daemon learned the tip, built its report commit and is sending it; the human push lands first.
    own.intercept(async (request) => {
      if (request.method === 'POST' && request.url?.endsWith('/git-receive-pack') && theirs === undefined) {
        theirs = 'pending';
        theirs = await s.human.revision(s.manifests({ settings: { color: 'red' } }), 'human: red');
      }
    });
    const daemon = await s.start({ repo: own.url(s.repoName), interval: '1s' });
    await untilApplied(daemon, first);
    expect(theirs).toMatch(/^[0-9a-f]{40}$/);
    own.intercept(undefined);

    // The human commit is reconciled next, at the poll interval, and reported.
    await colorEverywhere(s, 'red', { timeoutMs: 10_000 });
    await waitFor('a report for the human commit', async () => {
      const remote = await s.report();
      return remote?.report.source.revision === theirs ? remote : undefined;
    }, { timeoutMs: 10_000, pollMs: 250 });

    // Settled over a few intervals: seed, human push, gitfed report rebuilt on it, gitfed report for it. No more.
    await sleep(3_500);
    await daemon.idle();
    const commits = await s.commits();
    const log = (await bareGit(s.bare, 'log', '--format=%H %ae %P', 'main')).split('\n');
    expect(log.map((line) => line.split(' ')[1])).toEqual(['gitfed@localhost', 'gitfed@localhost', human.email, human.email]);
    expect(commits.slice(2)).toEqual([theirs, first]);
    expect(await bareGit(s.bare, 'rev-list', '--merges', '--count', 'main')).toBe('0');
    await bareGit(s.bare, 'merge-base', '--is-ancestor', theirs!, 'main');
    expect(await bareGit(s.bare, 'show', 'main:settings.yaml')).toContain('color: red');
    const { report } = (await s.report())!;
    expect(report.source.revision).toBe(theirs);
    await sleep(2_500);
    expect(await s.commits()).toEqual(commits);
  });

  it('starts no reconcile and commits nothing for a commit that only touches the report folder', async () => {
    const { s, daemon } = await running('reportonly', { interval: '1s' });
    const before = { fetch: await stageCount(daemon, 'fetch'), load: await stageCount(daemon, 'load'), apply: await stageCount(daemon, 'apply') };
    const commits = await s.commits();

    const theirs = await s.human.change({ 'status/notes.md': '# notes by hand\n' }, 'human: notes in the report folder');
    expect(await daemon.webhook(theirs)).toMatchObject({ status: 202 });
    await sleep(2_500); // the webhook, then two polls
    await daemon.idle();

    // It fetched the commit ...
    expect(await stageCount(daemon, 'fetch')).toBeGreaterThanOrEqual(before.fetch + 3);
    await git.readCommit({ fs, gitdir: join(daemon.config.cacheDir!, 'git'), oid: theirs });
    // ... and did nothing with it.
    expect(daemon.lastOutcome()).toEqual({ kind: 'idle' });
    expect(await stageCount(daemon, 'load')).toBe(before.load);
    expect(await stageCount(daemon, 'apply')).toBe(before.apply);
    expect(await s.commits()).toEqual([theirs, ...commits]);
  });
});

describe('daemon: HTTP endpoints', () => {
  it('is healthy at once, ready after the first complete reconcile, exposes its metrics, and refuses a badly signed webhook', async () => {
    const s = await kit.scenario('http');
    const own = await startOwnGitServer(lab);
    kit.defer(() => own.close());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    own.intercept(() => gate); // the first fetch waits until the test lets it through
    kit.defer(async () => release()); // runs before the daemon is stopped, should the test fail early
    const first = await s.human.revision(s.manifests({ settings: { color: 'blue' } }), 'human: blue');
    const daemon = await s.start({ repo: own.url(s.repoName) });

    const get = async (path: string) => {
      const response = await fetch(`${daemon.url}${path}`, { signal: AbortSignal.timeout(5_000) });
      return { status: response.status, body: await response.text() };
    };
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    expect(await waitFor('the first fetch to reach the Git server', async () => own.requests.length > 0 || undefined)).toBe(true);
    expect((await get('/readyz')).status).toBe(503);

    release();
    await waitFor('ready', async () => ((await get('/readyz')).status === 200 ? true : undefined), { timeoutMs: 15_000 });
    await daemon.idle();

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    const line = (pattern: RegExp) => metrics.body.split('\n').find((l) => pattern.test(l));
    expect(line(/^gitfed_reconcile_duration_seconds_count\{stage="total"\} 1$/)).toBeDefined();
    expect(line(/^gitfed_reconcile_duration_seconds_bucket\{le="\+Inf",stage="apply"\} 1$/)).toBeDefined();
    for (const member of kit.members) {
      expect(line(new RegExp(`^gitfed_objects\\{cluster="${member}",action="created"\\} 2$`))).toBeDefined();
      expect(line(new RegExp(`^gitfed_member_ready\\{cluster="${member}"\\} 1$`))).toBeDefined();
    }
    expect(line(/^gitfed_git_fetch_duration_seconds_count 1$/)).toBeDefined();
    expect(line(new RegExp(`^gitfed_applied_revision_info\\{revision="${first}"\\} 1$`))).toBeDefined();

    // A webhook signed with another secret, or not signed at all, is refused and triggers nothing.
    const fetches = await stageCount(daemon, 'fetch');
    expect(await postWebhook(daemon.url, { secret: daemon.secret, signWith: `${daemon.secret}-wrong` })).toMatchObject({ status: 401 });
    const unsigned = await fetch(`${daemon.url}/hooks/git`, { method: 'POST', body: '{"ref":"refs/heads/main"}', signal: AbortSignal.timeout(5_000) });
    expect(unsigned.status).toBe(401);
    await sleep(300);
    await daemon.idle();
    expect(await stageCount(daemon, 'fetch')).toBe(fetches);
    // The same payload, signed right, does trigger a fetch.
    expect(await daemon.webhook()).toMatchObject({ status: 202 });
    await waitFor('the webhook fetch', async () => ((await stageCount(daemon, 'fetch')) === fetches + 1 ? true : undefined), { timeoutMs: 5_000 });
  });
});
