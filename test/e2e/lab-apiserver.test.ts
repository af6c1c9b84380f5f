/**
 * `gitfed lab stop-apiserver` / `start-apiserver` as processes against the running lab: a stopped member's port
 * refuses connections while the other members keep answering; started again it is ready on the same port with
 * the same credentials, and what it held before (kept in etcd) is still there. The member is always started
 * again (afterAll), so later test files still see three members.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeRequest, labPaths, labStatus, pkiFiles, readAdminCredentials, startMemberApiserver } from '../../src/lab/index.ts';
import { killAll, runGitfed } from '../support/gitfed-process.ts';
import { readLive, removeFromMembers } from '../support/member-reads.ts';
import { objectApiFor, uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const target = 'member2';
const server = lab.members.find((m) => m.name === target)?.server ?? '';
const namespaces: string[] = [];

afterAll(async () => {
  await killAll();
  await startMemberApiserver(lab.dir, target);
  await removeFromMembers(lab, { namespaces, instances: [] });
});

/** What a TCP connect to the port ends in: 'connected', or the error code (ECONNREFUSED …). */
function tryConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      done('timeout');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

describe('stopping and starting one member kube-apiserver', () => {
  it('stops it (its port refuses, the others answer, the lab is degraded) and starts it again on the same port with its objects', async () => {
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const namespace = uniqueName('e2e-lab-stop');
    namespaces.push(namespace);
    const api = objectApiFor(lab, target);
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace }, data: { value: 'before the stop' } });

    const stopped = await runGitfed(['lab', 'stop-apiserver', '--dir', lab.dir, '--member', target], { timeoutMs: 30_000 });
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe(`stopped ${target}'s kube-apiserver (${server})\n`);

    expect(await tryConnect(server)).toBe('ECONNREFUSED');
    const others = lab.members.filter((m) => m.name !== target);
    expect(others.length).toBeGreaterThan(0);
    for (const member of others) expect(await tryConnect(member.server), member.name).toBe('connected');
    const degraded = await labStatus(lab.dir, { probe: true });
    expect(degraded.state).toBe('degraded');
    expect(degraded.processes.filter((p) => !p.alive).map((p) => p.id)).toEqual([`${target}-kube-apiserver`]);
    expect(degraded.members.map((m) => [m.name, m.ready])).toEqual(lab.members.map((m) => [m.name, m.name !== target]));

    const again = await runGitfed(['lab', 'stop-apiserver', '--dir', lab.dir, '--member', target], { timeoutMs: 30_000 });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${target}'s kube-apiserver was not running (${server})\n`);

    const started = await runGitfed(['lab', 'start-apiserver', '--dir', lab.dir, '--member', target], { timeoutMs: 120_000 });
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`^${target}'s kube-apiserver ready again in \\d+\\.\\d s \\(${server.replace(/\./g, '\\.')}\\)\\n$`));

    // Ready as soon as the command returns: /readyz with the lab's admin credentials, the same kubeconfig works,
    // and what the member held before the stop is still there.
    const credentials = await readAdminCredentials(pkiFiles(labPaths(lab.dir).pki));
    expect((await kubeRequest(server, credentials, { path: '/readyz' })).status).toBe(200);
    expect((await readLive(lab, target, { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'kept' }))?.data).toEqual({ value: 'before the stop' });
    expect((await labStatus(lab.dir)).state).toBe('running');

    const running = await runGitfed(['lab', 'start-apiserver', '--dir', lab.dir, '--member', target], { timeoutMs: 30_000 });
    expect(running.code).toBe(0);
    expect(running.stdout).toBe(`${target}'s kube-apiserver is already running (${server})\n`);
  });

  it('refuses a member the lab does not have (exit 2), naming the members it has', async () => {
    const result = await runGitfed(['lab', 'stop-apiserver', '--dir', lab.dir, '--member', 'member9'], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`has no member member9; its members are ${lab.members.map((m) => m.name).join(', ')}`);
    expect(await tryConnect(server)).toBe('connected');
  });
});
