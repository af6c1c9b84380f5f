/**
 * The lab's api profile, end to end: a lab of its own (beside the suite's lab) whose members are only real
 * kube-apiservers sharing one etcd — they serve and store objects, run no controllers — and whose status shows each
 * member's memory. Also what `lab up` refuses before it starts anything.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatLabStatus,
  kubeRequest,
  labPaths,
  labStatus,
  pkiFiles,
  readAdminCredentials,
  readProcessRecords,
  startLab,
  stopLab,
  type LabInfo,
} from '../../src/lab/index.ts';

const logger = pino({ level: 'warn' }, process.stderr);
let dir = '';
let info: LabInfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-api-lab-'));
  ({ info } = await startLab({ dir, members: 4, profile: 'api' }, { env: process.env, logger }));
});
afterAll(async () => {
  if (dir) {
    await stopLab(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('lab up --profile api', () => {
  it('runs one kube-apiserver per member and nothing else per member', async () => {
    expect(info.profile).toBe('api');
    expect(info.members.map((m) => m.name)).toEqual(['member1', 'member2', 'member3', 'member4']);
    const records = await readProcessRecords(dir);
    const perMember = records.filter((record) => record.member !== undefined);
    expect(perMember.length).toBeGreaterThan(0);
    expect(perMember.map((record) => record.component)).toEqual(info.members.map(() => 'kube-apiserver'));
    expect(records.filter((record) => record.component === 'etcd')).toHaveLength(1);
    const written = JSON.parse(await readFile(labPaths(dir).labJson, 'utf8')) as LabInfo;
    expect(written.profile).toBe('api');
  });

  it('members store and serve objects, each in its own etcd prefix', async () => {
    const credentials = await readAdminCredentials(pkiFiles(labPaths(dir).pki));
    const [first, second] = info.members;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-in-member1', namespace: 'default' }, data: { a: '1' } };
    const created = await kubeRequest(first!.server, credentials, { method: 'POST', path: '/api/v1/namespaces/default/configmaps', body, timeoutMs: 10_000 });
    expect(created.status).toBe(201);
    const here = await kubeRequest(first!.server, credentials, { path: '/api/v1/namespaces/default/configmaps/only-in-member1', timeoutMs: 10_000 });
    const there = await kubeRequest(second!.server, credentials, { path: '/api/v1/namespaces/default/configmaps/only-in-member1', timeoutMs: 10_000 });
    expect([here.status, there.status]).toEqual([200, 404]);
  });

  it('status names the profile and the memory of every member', async () => {
    const status = await labStatus(dir, { probe: true });
    expect(status.state).toBe('running');
    expect(status.members.length).toBe(4);
    for (const member of status.members) {
      expect(member.ready, member.name).toBe(true);
      expect(member.rssKiB, member.name).toBeGreaterThan(10 * 1024);
    }
    const text = formatLabStatus(status);
    expect(text).toContain('profile api');
    expect(text).toMatch(/member1 +https:\/\/127\.0\.0\.1:\d+ {2}ready {2}\d+ MiB/);
    expect(text).toMatch(/members use \d+ MiB, \d+ MiB each on average/);
  });

  it('refuses another profile or member count for the running lab, and counts beyond the profile maximum', async () => {
    await expect(startLab({ dir, members: 4, profile: 'full' }, { env: process.env, logger })).rejects.toThrow(/already runs 4 members with profile api/);
    await expect(startLab({ dir, members: 51, profile: 'api' }, { env: process.env, logger })).rejects.toThrow(/from 1 to 50 with profile api/);
    await expect(startLab({ dir, members: 21 }, { env: process.env, logger })).rejects.toThrow(/from 1 to 20 with profile full/);
    expect((await labStatus(dir)).state).toBe('running');
  });
});
