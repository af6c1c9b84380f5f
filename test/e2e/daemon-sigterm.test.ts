/**
 * SIGTERM during a reconcile, checked from outside after the process has gone: `gitfed run` exits 0, every member
 * holds every object of the revision that was being applied, and the branch tip's report names that revision.
 */
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { managedLabel } from '../../src/model/marks.ts';
import type { StatusReport } from '../../src/report/build-report.ts';
import { bareGit, daemonKit, postWebhook, startRunProcess, waitFor } from '../support/daemon-kit.ts';
import { useLab } from './lab-context.ts';

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
    const { process: daemon, secret } = await startRunProcess(s, lab, 'sigterm');
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
