/**
 * Live progress of `gitfed apply`, seen as a person sees it: the real process in a real pseudo-terminal
 * (util-linux `script`, which gives the command a pty for stdout and stderr), against the lab's members. On the
 * terminal, frames with one line per member (stage, done/total objects) are drawn and one summary line per member
 * is left at the end; with `-o json` on the same terminal, and through a pipe, the output is exactly the result.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { federatedConfigMap, federatedNamespace, kubeFedClusters, tempRepo, yamlOf, type TempRepo } from '../support/e2e-repo.ts';
import { killAll, runGitfed } from '../support/gitfed-process.ts';
import { removeFromMembers } from '../support/member-reads.ts';
import { uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((m) => m.name);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const objectsPerMember = 40;

const made: { namespace: string; instance: string; repo: TempRepo }[] = [];
afterEach(async () => {
  await killAll();
  const done = made.splice(0);
  await removeFromMembers(lab, { namespaces: done.map((m) => m.namespace), instances: done.map((m) => m.instance) });
  await Promise.all(done.map((m) => m.repo.remove()));
});
afterAll(killAll);

async function scenario(prefix: string) {
  const namespace = uniqueName(`e2e-${prefix}`);
  const instance = uniqueName(prefix);
  const repo = await tempRepo();
  made.push({ namespace, instance, repo });
  const configMaps = Array.from({ length: objectsPerMember - 1 }, (_, i) => federatedConfigMap({ name: `cm-${i}`, namespace, placement: 'all', data: { value: String(i) } }));
  await repo.write({ 'clusters.yaml': kubeFedClusters(members), 'app.yaml': yamlOf(federatedNamespace(namespace), ...configMaps) });
  const args = ['apply', '--repo', repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', instance];
  return { namespace, args };
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** `gitfed …args` with a pseudo-terminal for stdout and stderr; what the terminal received, and the exit code. */
function inTerminal(args: readonly string[], timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, join(root, 'bin', 'gitfed.js'), ...args].map(shellQuote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  // -q quiet, -f flush as written, -e the command's exit code, -c the command; the typescript goes to /dev/null.
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => out.push(chunk));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`gitfed in a terminal did not end within ${timeoutMs} ms:\n${Buffer.concat(out).toString('utf8').slice(-2000)}`));
    }, timeoutMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, output: Buffer.concat(out).toString('utf8') });
    });
  });
}

const escape = '\u001b[';
/** The output with the terminal's control sequences and carriage returns taken out. */
const controlSequence = new RegExp(`${'\u001b'}\\[[0-9;?]*[A-Za-z]`, 'g');
const plain = (output: string) => output.replace(controlSequence, '').replace(/\r/g, '');

describe('gitfed apply progress', () => {
  it('draws one line per member with its stage and done/total objects on a terminal, and one summary line per member at the end', async () => {
    const s = await scenario('progress');
    const run = await inTerminal(s.args);
    expect(run.code, run.output.slice(-2000)).toBe(0);
    expect(run.output).toContain(escape);
    const lines = plain(run.output).split('\n');
    expect(members.length).toBeGreaterThan(1);
    for (const member of members) {
      const frames = lines.filter((line) => new RegExp(`^\\s+${member}\\s+(observe|write|prune)\\s+\\d+/${objectsPerMember} objects`).test(line));
      expect(frames.length, `${member}: ${lines.join('\n')}`).toBeGreaterThan(0);
      // The summary counts every object each stage handled: all 40 read, all 40 created.
      const summary = lines.filter((line) => line.startsWith(`✓ ${member}`));
      expect(summary, lines.join('\n')).toHaveLength(1);
      expect(summary[0]).toMatch(new RegExp(`done in \\d+\\.\\ds: observe ${objectsPerMember}/${objectsPerMember} · write ${objectsPerMember}/${objectsPerMember} · prune 0/0$`));
      expect(lines).toContain(`${member}: ${objectsPerMember} created`);
    }
  });

  it('prints only the JSON result with -o json on a terminal, and only the result through a pipe', async () => {
    const s = await scenario('quiet');
    const json = await inTerminal([...s.args, '-o', 'json']);
    expect(json.code, json.output.slice(-2000)).toBe(0);
    expect(json.output).not.toContain('\u001b');
    const parsed = JSON.parse(json.output.replace(/\r/g, '')) as { clusters: Record<string, { changes: unknown[] }> };
    expect(Object.keys(parsed.clusters).sort()).toEqual([...members].sort());
    for (const member of members) expect(parsed.clusters[member]?.changes).toHaveLength(objectsPerMember);

    const piped = await runGitfed(s.args);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toContain('\u001b');
    expect(piped.stdout + piped.stderr).not.toMatch(/objects$|done in/m);
    expect(piped.stdout.split('\n').filter((line) => line !== '')).toEqual(members.map((member) => `${member}: ${objectsPerMember} unchanged`));
  });
});
