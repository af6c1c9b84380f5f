/**
 * SIGTERM during a reconcile, checked from outside after the process has gone: `gitfed run` exits 0, every member
 * holds every object of the revision that was being applied, and the branch tip's report names that revision.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { managedLabel } from '../../src/model/marks.ts';
import type { StatusReport } from '../../src/report/build-report.ts';
import { bareGit, daemonKit, postWebhook, tempDir, waitFor } from '../support/daemon-kit.ts';
import { startSourceDaemon } from '../support/gitfed-daemon-process.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('gitfed run stopped by SIGTERM mid-reconcile', () => {
  it('exits 0 with every member holding the revision it was applying, and that revision\'s report on the branch', async () => {
    const s = await kit.scenario('sigterm');
    const first = await s.human.revision(s.manifests(Object.fromEntries(names('first', 5).map((name) => [name, { v: '1' }]))), 'human: v1');
    const dir = await tempDir('sigterm');
    const secret = uniqueName('secret');
    await writeFile(join(dir, 'webhook-secret'), `${secret}\n`, { mode: 0o600 });
    const daemon = startSourceDaemon(
      [
        'run', '--repo', s.url, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '--listen', '127.0.0.1:0',
        '--cache-dir', join(dir, 'cache'), '--webhook-secret-file', join(dir, 'webhook-secret'),
        '--interval', '1h', '--drift-interval', '1h', '--log-level', 'info',
      ],
      { ...process.env, GITFED_GIT_USERNAME: lab.git.username, GITFED_GIT_PASSWORD: lab.git.password, GITFED_LOG_FORMAT: 'json' },
    );
    kit.defer(() => daemon.kill());
    const url = await daemon.endpoints(30_000);
    await waitFor('the first report on the branch', async () => ((await s.report())?.report.source.revision === first ? true : undefined), {
      timeoutMs: 60_000,
      pollMs: 300,
    });

    // A revision large enough that applying it takes seconds; SIGTERM once its first objects reach a member.
    const wanted = names('second', 300);
    const pushed = await s.human.revision(s.manifests(Object.fromEntries(wanted.map((name) => [name, { v: '2' }]))), 'human: v2');
    expect(await postWebhook(url, { secret, after: pushed })).toMatchObject({ status: 202 });
    const member = kit.members[0]!;
    const managed = async (cluster: string) =>
      (await kit.observer.get(cluster).list('v1', 'ConfigMap', { namespace: s.namespace, labelSelector: `${managedLabel}=true` }))
        .filter((object) => (object.data as Record<string, string> | undefined)?.v === '2')
        .map((object) => object.metadata.name);
    const seenBeforeSignal = await waitFor('the first objects of the push on a member', async () => {
      const found = (await managed(member)).length;
      return found > 0 ? found : undefined;
    }, { timeoutMs: 60_000, pollMs: 20 });
    const exit = await daemon.signal('SIGTERM', 120_000);

    // The signal did land mid-reconcile: the member was still missing objects of the push when it was sent.
    expect(seenBeforeSignal).toBeLessThan(wanted.length);
    expect(exit, [...daemon.stderr].join('\n').slice(-3000)).toEqual({ code: 0, signal: null });
    expect(daemon.stderr.some((line) => line.includes('SIGTERM: finishing the current step'))).toBe(true);

    // From outside, after the exit: every member holds every object of the push, the branch names it.
    expect(kit.members.length).toBeGreaterThan(0);
    for (const cluster of kit.members) expect((await managed(cluster)).sort(), cluster).toEqual(wanted);
    const tip = await s.tip();
    const report = parse(await bareGit(s.bare, 'show', `${tip}:status/report.yaml`)) as StatusReport;
    expect(report.source.revision).toBe(pushed);
    expect(report.resources.filter((r) => r.kind === 'ConfigMap').length).toBe(wanted.length);
  });
});
