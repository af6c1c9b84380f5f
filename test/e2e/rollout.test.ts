/**
 * Progressive rollout end to end (issue 14, "Tests"): the daemon in-process against the lab's three members and
 * its Git server, a Rollout member1 → member2 → member3 in the repository, a Deployment whose image each push
 * changes. What each member holds is read from the members themselves; the rollout's progress from the report
 * committed to the remote branch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rolloutStateName } from '../../src/apply/rollout-store.ts';
import { federated, federatedNamespace, yamlOf } from '../support/e2e-repo.ts';
import { daemonKit, waitFor, type DaemonScenario, type StartedDaemon } from '../support/daemon-kit.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const image = (tag: string) => `registry.example.com/e2e/web:${tag}`;
/** The lab keeps pods of images marked gitfed.io/fail from ever starting (src/lab/kwok-stages.ts). */
const failingImage = 'registry.example.com/gitfed.io/fail/web:3';

function rolloutYaml(options: { soak: string; manualTwo?: boolean; approvals?: { stage: string; revision: string }[] }): string {
  const [first, second, third] = kit.members as [string, string, string];
  const approvals = options.approvals?.length ? `  approvals:\n${options.approvals.map((a) => `  - {stage: ${a.stage}, revision: ${a.revision}}`).join('\n')}\n` : '';
  return `apiVersion: gitfed.io/v1alpha1
kind: Rollout
metadata: {name: staged}
spec:
  progressDeadline: 5m
  stages:
  - {name: one, clusters: [${first}], soak: ${options.soak}}
  - {name: two, clusters: [${second}], soak: ${options.soak}${options.manualTwo ? ', approval: manual' : ''}}
  - {name: three, clusters: [${third}], soak: ${options.soak}}
${approvals}`;
}

function files(s: DaemonScenario, webImage: string, rollout: string): Record<string, string> {
  const labels = { app: 'web' };
  const deployment = federated('Deployment', { name: 'web', namespace: s.namespace }, {
    metadata: { labels },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 5,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: webImage }] } },
    },
  });
  return { 'namespace.yaml': yamlOf(federatedNamespace(s.namespace)), 'web.yaml': yamlOf(deployment), 'rollout.yaml': rollout };
}

async function imageOn(s: DaemonScenario, member: string): Promise<string | undefined> {
  const live = (await kit.observer.get(member).get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'web' })) as
    | { spec?: { template?: { spec?: { containers?: { image: string }[] } } } }
    | null;
  return live?.spec?.template?.spec?.containers?.[0]?.image;
}

async function images(s: DaemonScenario): Promise<(string | undefined)[]> {
  return Promise.all(kit.members.map((member) => imageOn(s, member)));
}

async function isAvailable(s: DaemonScenario, member: string): Promise<boolean> {
  const live = (await kit.observer.get(member).get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'web' })) as
    | { status?: { conditions?: { type: string; status: string }[] } }
    | null;
  return live?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
}

function everywhere(s: DaemonScenario, wanted: string, timeoutMs = 60_000) {
  return waitFor(`${wanted} on every member`, async () => ((await images(s)).every((found) => found === wanted) ? true : undefined), { timeoutMs, pollMs: 100 });
}

function reportSays(s: DaemonScenario, what: string, check: (rollout: NonNullable<Awaited<ReturnType<DaemonScenario['report']>>>['report']['rollout']) => boolean, timeoutMs = 60_000) {
  return waitFor(`report: ${what}`, async () => {
    const found = await s.report();
    const rollout = found?.report.rollout;
    if (rollout && check(rollout)) return rollout;
    // Thrown, not returned: waitFor names the last one when it gives up.
    throw new Error(`report at ${found?.tip.slice(0, 12)} (source ${found?.report.source.revision?.slice(0, 12)}): rollout ${JSON.stringify(rollout)}`);
  }, { timeoutMs, pollMs: 500 });
}

async function scenario(prefix: string) {
  const s = await kit.scenario(prefix);
  kit.defer(() => Promise.allSettled(kit.members.map((member) =>
    kit.observer.get(member).delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gitfed-system', name: rolloutStateName(s.instance) }))));
  return s;
}

const start = (s: DaemonScenario): Promise<StartedDaemon> => s.start({ interval: '1s' });

describe('rollout: stages in order, gated on health and soak', () => {
  it('reaches member1, then member2 after member1 is Available and soaked, member3 last; halts on a failing image; a fix rolls out', async () => {
    const s = await scenario('rollout-order');
    const [first, second, third] = kit.members as [string, string, string];
    const soakMs = 3_000;
    await s.human.revision(files(s, image('1'), rolloutYaml({ soak: '3s' })), 'human: web 1');
    const daemon = await start(s);
    await everywhere(s, image('1')); // the first Rollout: every member holds the revision at once

    const second_ = await s.human.revision(files(s, image('2'), rolloutYaml({ soak: '3s' })), 'human: web 2');
    await daemon.webhook(second_);
    const seen = new Map<string, number>();
    const availableBefore = new Map<string, boolean>();
    await waitFor('web:2 reaches every member', async () => {
      for (const [index, member] of kit.members.entries()) {
        if (seen.has(member) || (await imageOn(s, member)) !== image('2')) continue;
        seen.set(member, Date.now());
        // When a member changes, the one before it must already be Available.
        if (index > 0) availableBefore.set(member, await isAvailable(s, kit.members[index - 1]!));
      }
      return seen.size === kit.members.length ? true : undefined;
    }, { timeoutMs: 90_000, pollMs: 50 });
    expect([...seen.keys()]).toEqual([first, second, third]);
    expect(seen.get(second)! - seen.get(first)!).toBeGreaterThanOrEqual(soakMs);
    expect(seen.get(third)! - seen.get(second)!).toBeGreaterThanOrEqual(soakMs);
    expect(Object.fromEntries(availableBefore)).toEqual({ [second]: true, [third]: true });
    const complete = await reportSays(s, 'rollout of web:2 complete', (r) => r?.revision === second_ && r.phase === 'Complete');
    expect(complete!.stages.map((stage) => [stage.name, stage.state, stage.updated, stage.total])).toEqual([
      ['one', 'Complete', 1, 1],
      ['two', 'Complete', 1, 1],
      ['three', 'Complete', 1, 1],
    ]);

    // A failing image halts at stage one: member2 and member3 keep web:2.
    const bad = await s.human.revision(files(s, failingImage, rolloutYaml({ soak: '3s' })), 'human: web 3 (fails)');
    await daemon.webhook(bad);
    const halted = await reportSays(s, 'halted', (r) => r?.revision === bad && r.phase === 'Halted', 90_000);
    expect(halted!.halted).toMatchObject({ stage: 'one', reason: 'Failed', objects: [`${first}: Deployment/${s.namespace}/web`] });
    expect(await images(s)).toEqual([failingImage, image('2'), image('2')]);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // still halted a few passes later
    expect(await images(s)).toEqual([failingImage, image('2'), image('2')]);

    // The fix supersedes from stage one and rolls out everywhere.
    const fix = await s.human.revision(files(s, image('4'), rolloutYaml({ soak: '1s' })), 'human: web 4');
    await daemon.webhook(fix);
    await everywhere(s, image('4'), 90_000);
    await reportSays(s, 'fix complete', (r) => r?.revision === fix && r.phase === 'Complete');
  }, 300_000);
});

describe('rollout: manual approval, Rollout-only edits, restart', () => {
  it('waits for the approval commit; a Rollout-only edit and a restart do not restart or jump the rollout', async () => {
    const s = await scenario('rollout-approval');
    const [first, second] = kit.members as [string, string, string];
    await s.human.revision(files(s, image('1'), rolloutYaml({ soak: '1s', manualTwo: true })), 'human: web 1');
    let daemon = await start(s);
    await everywhere(s, image('1'));

    const change = await s.human.revision(files(s, image('2'), rolloutYaml({ soak: '1s', manualTwo: true })), 'human: web 2');
    await daemon.webhook(change);
    const waiting = await reportSays(s, 'waiting for approval', (r) => r?.revision === change && r.phase === 'WaitingApproval');
    expect(waiting!.stage).toBe('two');
    expect(await images(s)).toEqual([image('2'), image('1'), image('1')]);

    // An edit of only the Rollout (a new soak) continues the rollout of `change`: nothing moves, nothing restarts.
    const edit = await s.human.revision(files(s, image('2'), rolloutYaml({ soak: '2s', manualTwo: true })), 'human: soak 2s');
    await daemon.webhook(edit);
    await waitFor('the edit applied', async () => ((await s.report())?.report.source.revision === edit ? true : undefined), { timeoutMs: 30_000, pollMs: 300 });
    const afterEdit = (await s.report())!.report.rollout!;
    expect(afterEdit).toMatchObject({ revision: change, phase: 'WaitingApproval', stage: 'two' });
    expect(await images(s)).toEqual([image('2'), image('1'), image('1')]);

    // A restart mid-rollout resumes from the state saved in the members: member2 does not jump ahead.
    await daemon.stop();
    daemon = await start(s);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await images(s)).toEqual([image('2'), image('1'), image('1')]);
    expect(daemon.logs.some((line) => line.event === 'MemberAdopted')).toBe(false);

    // The approval, bound to the revision being rolled out, is itself a commit.
    const approval = await s.human.revision(
      files(s, image('2'), rolloutYaml({ soak: '2s', manualTwo: true, approvals: [{ stage: 'two', revision: change.slice(0, 12) }] })),
      'human: approve stage two',
    );
    await daemon.webhook(approval);
    await waitFor(`${second} updated`, async () => ((await imageOn(s, second)) === image('2') ? true : undefined), { timeoutMs: 60_000, pollMs: 100 });
    await everywhere(s, image('2'), 60_000);
    expect(await imageOn(s, first)).toBe(image('2'));
    await reportSays(s, 'approved rollout complete', (r) => r?.revision === change && r.phase === 'Complete');
  }, 300_000);
});
