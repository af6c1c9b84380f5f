/**
 * Apply benchmark (issues: apply engine, speed). Two cases on one lab (3 members, a shared etcd):
 *
 * 1. Fleet: 1,000 rendered objects (mixed kinds) × 3 members. gitfed's first apply, no-op re-apply and apply after
 *    10% changed, side by side in the same run with `kubectl apply --server-side` of the same rendered files (one
 *    kubectl per member, in parallel), on objects of their own (same shapes, other namespaces) so both really
 *    create. Prints times, ratios and request counts, and the CPU the lab's processes (kube-apiservers, etcd,
 *    controllers, kwok) spent in each window (Linux /proc): on a small machine the members' own work, not the
 *    client, bounds how fast any client can create objects.
 * 2. Single member: 10,000 objects on member1 under an instance of their own. First apply, no-op re-apply (0 writes,
 *    at most one list per kind plus the inventory read), then 3,000 of them leave the repository and an apply prunes
 *    them; the bench checks from the member that exactly those 3,000 are gone. Prints the times, the inventory's
 *    stored size (the JSON the API server returns for the ConfigMaps `gitfed-system/gitfed-inventory-*` labelled
 *    with the instance) and gitfed's peak RSS. Deployments run at replicas 0 here: 2,000 Pods would measure the
 *    member's controllers, not gitfed.
 *
 * Every gitfed apply runs in a process of its own (bench/apply-runner.ts), so its peak RSS
 * (`process.resourceUsage().maxRSS` of that process) is gitfed's alone. `--baseline REV` checks REV out in a
 * worktree (/tmp/gitfed-baseline-<sha>, node_modules linked when package-lock.json is the same, else `npm ci`) and
 * runs every gitfed step with that code as well, interleaved with the current code step by step (which side goes
 * first alternates per round), each on objects of its own; it prints medians over the rounds and
 * current/baseline ratios. The single-member case runs one side after the other, cleaned up in between, so neither
 * side's lists see the other's 10,000 objects. Cases clean up after themselves (namespaces and inventories).
 *
 *   npm run bench:apply [-- --objects 1000] [--large 10000] [--baseline REV] [--rounds N]
 *     --objects 0 / --large 0 skip a case; --rounds defaults to 1, or 3 with --baseline
 *     GITFED_BENCH_CONCURRENCY=N sets requests in flight per member (16)
 * Exit code 1 when a check of the current code fails (no-op target, inventory saved, prune exact, a run crashed).
 */
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import type { ClusterClient } from '../src/cluster/cluster-client.ts';
import { closeMembers, connectMembers } from '../src/cluster/connect-members.ts';
import { instanceAnnotation } from '../src/model/marks.ts';
import { render } from '../src/render/render.ts';
import { loadRepo } from '../src/source/load-repo.ts';
import { resolveLabBinaries, startLab, stopLab } from '../src/lab/index.ts';
import type { RunnerResult } from './apply-runner.ts';
import { generateApplyRepo } from './generate-repo.ts';
import { labCpuMs } from './lab-cpu.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    large: { type: 'string', default: '10000' },
    baseline: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const objectCount = Number(values.objects);
const largeCount = Number(values.large);
const rounds = Number(values.rounds ?? (values.baseline ? 3 : 1));
const members = ['member1', 'member2', 'member3'];
const largeMember = 'member1';
const logger = pino({ level: 'warn' });
const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const runnerPath = path.join(import.meta.dirname, 'apply-runner.ts');
const concurrency = Number(process.env.GITFED_BENCH_CONCURRENCY ?? 16);
/** Checks of the current code that failed; the baseline's are printed, not counted. */
const failedChecks: string[] = [];

/** Whose code a gitfed step runs: the current tree, or a baseline revision's worktree. */
interface Side {
  /** Namespace and instance letter: objects of each side stay apart. */
  key: string;
  label: string;
  root: string;
  current: boolean;
}

/** A worktree of `rev` outside the main work tree, with node_modules, reused when it already exists. */
async function prepareBaseline(rev: string): Promise<Side> {
  const git = (...args: string[]) => run('git', ['-C', repoRoot, ...args], { maxBuffer: 256 << 20 }).then((r) => r.stdout.trim());
  const sha = await git('rev-parse', '--verify', `${rev}^{commit}`);
  const dir = `/tmp/gitfed-baseline-${sha.slice(0, 12)}`;
  if (!(await exists(dir))) await git('worktree', 'add', '--detach', dir, sha);
  const checkedOut = (await run('git', ['-C', dir, 'rev-parse', 'HEAD'])).stdout.trim();
  if (checkedOut !== sha) throw new Error(`${dir} holds ${checkedOut}, not ${sha}: remove it (git worktree remove ${dir}) and run again`);
  if (!(await exists(path.join(dir, 'node_modules')))) {
    const sameLock = (await git('show', `${sha}:package-lock.json`)) === (await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')).trim();
    if (sameLock) await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
    else await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 << 20 });
    console.log(`baseline ${sha.slice(0, 12)} in ${dir}: node_modules ${sameLock ? 'linked (same package-lock.json)' : 'from npm ci'}`);
  }
  return { key: 'b', label: `baseline ${sha.slice(0, 12)}`, root: dir, current: false };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Runs a step and adds the lab's CPU time during it. */
async function measured<T>(labDir: string, step: () => Promise<T>): Promise<T & { labCpuMs: number }> {
  const before = await labCpuMs(labDir);
  const result = await step();
  return { ...result, labCpuMs: (await labCpuMs(labDir)) - before };
}

type GitfedStep = RunnerResult & { ms: number; processMs: number; logLines: string[]; labCpuMs: number };

/** One gitfed apply in its own process with `side`'s code. A crash becomes a failed step, never the bench's crash. */
async function gitfedApply(side: Side, repo: string, kubeconfig: string, instance: string, targets: readonly string[]): Promise<Omit<GitfedStep, 'labCpuMs'>> {
  const args = [runnerPath, '--root', side.root, '--repo', repo, '--kubeconfig', kubeconfig, '--instance', instance, '--members', targets.join(','), '--concurrency', String(concurrency)];
  const started = performance.now();
  const outcome = await run(process.execPath, args, { maxBuffer: 512 << 20, timeout: 30 * 60_000 }).then(
    (r) => ({ stdout: r.stdout, stderr: r.stderr, failure: undefined as string | undefined }),
    (err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '', failure: err.message }),
  );
  const processMs = performance.now() - started;
  const logLines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
  let result: RunnerResult;
  try {
    result = JSON.parse(outcome.stdout.trim().split('\n').at(-1) ?? '') as RunnerResult;
  } catch {
    result = { ok: false, error: outcome.failure ?? 'the runner printed no result', applyMs: 0, cpuMs: 0, maxRssKiB: 0, members: {} };
  }
  return { ...result, ms: result.applyMs, processMs, logLines };
}

async function kubectlApply(repo: string, kubeconfig: string, kubectl: string, outDir: string, oneAfterAnother = false) {
  const model = await loadRepo(repo);
  const rendered = render(model, { instance: 'bench-kubectl' });
  await rm(outDir, { recursive: true, force: true });
  for (const [cluster, objects] of Object.entries(rendered.clusters)) {
    await mkdir(path.join(outDir, cluster), { recursive: true });
    // One multi-document file per member keeps the render's apply order (namespaces first) for kubectl.
    await writeFile(path.join(outDir, cluster, 'all.yaml'), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  }
  const applyTo = (cluster: string) =>
    run(kubectl, ['--kubeconfig', kubeconfig, '--context', cluster, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '--force-conflicts', '-f', path.join(outDir, cluster, 'all.yaml')], { maxBuffer: 64 << 20 });
  const started = performance.now();
  if (oneAfterAnother) for (const cluster of members) await applyTo(cluster);
  else await Promise.all(members.map(applyTo));
  return { ms: performance.now() - started };
}

/** The bench's own clients (not the measured process's), for settling, verifying and cleaning up. */
async function withClients<T>(kubeconfig: string, use: (clients: ClusterClient[]) => Promise<T>): Promise<T> {
  const connections = await connectMembers(members, { kubeconfig }, { logger });
  try {
    return await use([...connections.values()].filter((c): c is ClusterClient => 'list' in c));
  } finally {
    await closeMembers(connections);
  }
}

/** Waits until the members' controllers are done with every benchmark Deployment, so no step pays for another's rollout. */
async function settle(kubeconfig: string): Promise<void> {
  await withClients(kubeconfig, async (clients) => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const lists = await Promise.all(clients.map((c) => c.list('apps/v1', 'Deployment')));
      const pending = lists.flat().filter((d) => {
        const status = (d.status ?? {}) as { availableReplicas?: number; observedGeneration?: number };
        const spec = d.spec as { replicas?: number };
        return d.metadata.namespace?.startsWith('bench') && ((status.availableReplicas ?? 0) < (spec.replicas ?? 1) || status.observedGeneration !== d.metadata.generation);
      });
      if (pending.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
}

const inventoryNamespace = 'gitfed-system';
const inventoryPrefix = 'gitfed-inventory-';

/** The inventory's stored size: the serialized ConfigMaps named gitfed-inventory-* and labelled with the instance. */
async function inventorySize(kubeconfig: string, member: string, instance: string): Promise<{ configMaps: number; bytes: number; dataBytes: number }> {
  return withClients(kubeconfig, async (clients) => {
    const client = clients.find((c) => c.cluster === member);
    const listed = (await client?.list('v1', 'ConfigMap', { namespace: inventoryNamespace, labelSelector: `gitfed.io/instance=${instance}` })) ?? [];
    const stored = listed.filter((cm) => cm.metadata.name.startsWith(inventoryPrefix));
    const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    return {
      configMaps: stored.length,
      bytes: stored.reduce((sum, cm) => sum + size(cm), 0),
      dataBytes: stored.reduce((sum, cm) => sum + size(cm.data ?? {}) + size(cm.binaryData ?? {}), 0),
    };
  });
}

/** Deletes the namespaces `prefixes` name and the instances' inventories on every member, and waits until they are gone. */
async function cleanUp(kubeconfig: string, prefixes: readonly string[], instances: readonly string[]): Promise<number> {
  const started = performance.now();
  await withClients(kubeconfig, async (clients) => {
    const ours = (name: string) => prefixes.some((prefix) => name.startsWith(`${prefix}-`));
    await Promise.all(clients.map(async (client) => {
      for (const ns of (await client.list('v1', 'Namespace')).filter((n) => ours(n.metadata.name))) {
        await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name }, { propagationPolicy: 'Background' });
      }
      const inventories = await client.list('v1', 'ConfigMap', { namespace: inventoryNamespace });
      for (const cm of inventories.filter((c) => instances.includes(c.metadata.labels?.['gitfed.io/instance'] ?? ''))) {
        await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name: cm.metadata.name });
      }
    }));
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const left = (await Promise.all(clients.map((c) => c.list('v1', 'Namespace')))).flat().filter((n) => ours(n.metadata.name));
      if (left.length === 0) return;
      if (Date.now() > deadline) throw new Error(`namespaces still terminating after 15 minutes: ${left.map((n) => n.metadata.name).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  });
  return performance.now() - started;
}

/** Median of the figures of runs that did not fail (NaN marks a failed run); NaN when every run failed. */
function median(numbers: readonly number[]): number {
  const sorted = numbers.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const ms = (value: number) => (Number.isNaN(value) ? 'failed' : `${value.toFixed(0)} ms`);
const mib = (kib: number) => (Number.isNaN(kib) ? 'failed' : `${(kib / 1024).toFixed(0)} MiB`);
/** A step's figure, NaN when its run failed, so medians and ratios leave it out. */
const figure = (step: GitfedStep, value: number) => (step.ok ? value : Number.NaN);
const requests = (step: GitfedStep) =>
  Object.values(step.members).map((m) => (m.stats ? `w${m.stats.writes}/r${m.stats.reads}/dry${m.stats.dryRuns}/disc${m.stats.discovery}` : '-')).join('  ');
const actionCount = (step: GitfedStep, action: string) => Object.values(step.members).reduce((sum, m) => sum + (m.actions[action] ?? 0), 0);

/** 0 writes, no dry-run, at most one list per kind plus the inventory's read, discovery at most once per kind. */
function noopTargetMet(step: GitfedStep): boolean {
  const reached = Object.values(step.members);
  return step.ok && reached.length > 0 && reached.every((m) => m.stats !== null && m.stats.writes === 0 && m.stats.dryRuns === 0 && m.stats.reads <= m.kinds + 1 && m.stats.discovery <= m.kinds);
}

/** Members' messages (unreachable, inventory not saved) and a crashed run, one line each. */
function problems(step: GitfedStep): string[] {
  if (!step.ok) return [`gitfed run failed: ${(step.error ?? '').split('\n')[0]}`];
  return Object.entries(step.members).flatMap(([cluster, m]) => m.problems.map((problem) => `${cluster}: ${problem}`));
}

function check(side: Side, name: string, met: boolean): string {
  if (!met && side.current) failedChecks.push(name);
  return met ? 'met' : 'NOT met';
}

// ---------------------------------------------------------------------------------------------------------------

interface FleetRound {
  first: GitfedStep;
  noop: GitfedStep;
  changed: GitfedStep;
}

async function fleetCase(work: string, labDir: string, kubeconfig: string, kubectl: string, sides: readonly Side[]): Promise<void> {
  const runs = new Map<Side, FleetRound[]>(sides.map((side) => [side, []]));
  const kubectlRepo = path.join(work, 'kubectl-repo');
  const out = path.join(work, 'kubectl-files');
  const kubectlStep = () => measured(labDir, () => kubectlApply(kubectlRepo, kubeconfig, kubectl, out));
  let kubectlRows: { first: { ms: number; labCpuMs: number }; noop: { ms: number; labCpuMs: number }; changed: { ms: number; labCpuMs: number }; loop: { ms: number } } | undefined;
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    const target = (side: Side) => ({ repo: path.join(work, `fleet-${side.key}${round}`), prefix: `bench-${side.key}${round}`, instance: `bench-${side.key}${round}` });
    const writeRepos = async (variant: number) => {
      for (const side of sides) await generateApplyRepo(target(side).repo, { prefix: target(side).prefix, members, objects: objectCount, variant });
    };
    const gitfedStep = (side: Side) => measured(labDir, () => gitfedApply(side, target(side).repo, kubeconfig, target(side).instance, members));
    const steps = new Map<Side, Partial<FleetRound>>(sides.map((side) => [side, {}]));
    await writeRepos(0);
    let kLoop: { ms: number } | undefined;
    let kFirst: { ms: number; labCpuMs: number } | undefined;
    if (round === 1) {
      await generateApplyRepo(kubectlRepo, { prefix: 'bench-k', members, objects: objectCount });
      // For context only: a shell loop applying to one member after another, on objects of its own.
      const loopRepo = path.join(work, 'kubectl-loop-repo');
      await generateApplyRepo(loopRepo, { prefix: 'bench-l', members, objects: objectCount });
      kLoop = await measured(labDir, () => kubectlApply(loopRepo, kubeconfig, kubectl, path.join(work, 'kubectl-loop-files'), true));
      await settle(kubeconfig);
      // Each measured step starts on a quiet lab; kubectl goes first in the first step, gitfed in the others.
      kFirst = await kubectlStep();
      await settle(kubeconfig);
    }
    for (const side of order) {
      steps.get(side)!.first = await gitfedStep(side);
      await settle(kubeconfig);
    }
    for (const side of order) steps.get(side)!.noop = await gitfedStep(side);
    const kNoop = round === 1 ? await kubectlStep() : undefined;
    await writeRepos(1);
    if (round === 1) await generateApplyRepo(kubectlRepo, { prefix: 'bench-k', members, objects: objectCount, variant: 1 });
    await settle(kubeconfig);
    for (const side of order) {
      steps.get(side)!.changed = await gitfedStep(side);
      await settle(kubeconfig);
    }
    if (round === 1 && kLoop && kFirst && kNoop) kubectlRows = { first: kFirst, noop: kNoop, changed: await kubectlStep(), loop: kLoop };
    for (const side of sides) runs.get(side)!.push(steps.get(side) as FleetRound);
    await cleanUp(kubeconfig, sides.map((side) => target(side).prefix), sides.map((side) => target(side).instance));
  }
  await cleanUp(kubeconfig, ['bench-k', 'bench-l'], []);
  printFleet(runs, kubectl, kubectlRows);
}

function printFleet(
  runs: Map<Side, FleetRound[]>,
  kubectl: string,
  k: { first: { ms: number; labCpuMs: number }; noop: { ms: number; labCpuMs: number }; changed: { ms: number; labCpuMs: number }; loop: { ms: number } } | undefined,
): void {
  const [current, currentRuns] = [...runs.entries()][0]!;
  const steps = ['first', 'noop', 'changed'] as const;
  const names = { first: 'first apply', noop: 'no-op re-apply', changed: 'apply after 10% changed' };
  const medianOf = (side: Side, step: (typeof steps)[number], value: (s: GitfedStep) => number) => median(runs.get(side)!.map((r) => value(r[step])));
  const round1 = currentRuns[0]!;
  console.log(`apply benchmark: ${Object.values(round1.first.members)[0]?.objects ?? objectCount} rendered objects per member × ${members.length} members (lab), kubectl ${kubectl}`);
  console.log(`  gitfed: the current code${runs.size > 1 ? ' (median of the rounds)' : ''}, each apply in its own process; the time is applyAll's, load and render excluded`);
  console.log('  step                       gitfed      kubectl --server-side   kubectl/gitfed');
  for (const step of steps) {
    const g = medianOf(current, step, (s) => figure(s, s.ms));
    console.log(`  ${names[step].padEnd(26)} ${ms(g).padEnd(11)} ${(k ? ms(k[step].ms) : '-').padEnd(23)} ${k ? `${(k[step].ms / g).toFixed(2)}×` : '-'}`);
  }
  if (k) console.log(`  (context: kubectl applying to the members one after another, as a shell loop would: ${ms(k.loop.ms)}, ${(k.loop.ms / figure(round1.first, round1.first.ms)).toFixed(2)}× gitfed's first apply)`);
  const cores = os.availableParallelism();
  console.log(`  lab processes' CPU in each window, round 1 (${cores} cores here; gitfed's window cannot be shorter than (lab + gitfed CPU) / cores):`);
  for (const step of steps) {
    const g = round1[step];
    const kubectlPart = k ? `   kubectl ${(k[step].labCpuMs / 1000).toFixed(1)} s (${((k[step].labCpuMs / k[step].ms / cores) * 100).toFixed(0)}%)` : '';
    console.log(`    ${names[step].padEnd(24)} gitfed ${(g.labCpuMs / 1000).toFixed(1)} s (${((g.labCpuMs / g.ms / cores) * 100).toFixed(0)}% of the machine)${kubectlPart}`);
  }
  for (const [side, sideRuns] of runs) {
    console.log(`  ${side.label}: requests per member (writes/reads/dry-runs/discovery), round by round:`);
    for (const [i, r] of sideRuns.entries()) {
      console.log(`    round ${i + 1} first apply      ${requests(r.first)}`);
      console.log(`    round ${i + 1} no-op re-apply   ${requests(r.noop)}   (kinds per member: ${Object.values(r.noop.members)[0]?.kinds ?? '?'})`);
      console.log(`    round ${i + 1} 10% changed      ${requests(r.changed)}`);
    }
    const met = sideRuns.every((r) => noopTargetMet(r.noop));
    console.log(`  ${side.label}: no-op target (0 writes, at most one list per kind + the inventory read): ${check(side, `fleet no-op target (${side.label})`, met)}`);
    const r1 = sideRuns[0]!;
    console.log(`  ${side.label}: gitfed's own CPU (round 1): first ${ms(r1.first.cpuMs)}, no-op ${ms(r1.noop.cpuMs)}, 10% ${ms(r1.changed.cpuMs)}; peak RSS ${mib(Math.max(...sideRuns.flatMap((r) => steps.map((s) => r[s].maxRssKiB))))}`);
    console.log(`  ${side.label}: actions (round 1): first ${actionCount(r1.first, 'created')} created; no-op ${actionCount(r1.noop, 'unchanged')} unchanged; 10% ${actionCount(r1.changed, 'configured')} configured`);
    const seen = sideRuns.flatMap((r) => steps.flatMap((s) => problems(r[s])));
    if (seen.length > 0) console.log(`  ${side.label}: ${check(side, `fleet runs without errors (${side.label})`, false)}: ${[...new Set(seen)].slice(0, 5).join('; ')}`);
  }
  console.log(`  floor for gitfed's first apply on this machine (round 1): ${((round1.first.labCpuMs + round1.first.cpuMs) / cores / 1000).toFixed(1)} s`);
  if (runs.size > 1) {
    printComparison('fleet case', runs, steps.map((step) => [names[step], (r: FleetRound) => figure(r[step], r[step].ms)]));
    printComparison('fleet case, whole process', runs, steps.map((step) => [names[step], (r: FleetRound) => figure(r[step], r[step].processMs)]));
  }
}

/** Medians per side and current/baseline ratios, with every round's figure, for the rows given. */
function printComparison<R>(title: string, runs: Map<Side, R[]>, rows: [string, (r: R) => number, ((v: number) => string)?][]): void {
  const [[, currentRuns], [baseline, baselineRuns]] = [...runs.entries()] as [[Side, R[]], [Side, R[]]];
  console.log(`  ${title}: current vs ${baseline.label}, median of ${currentRuns.length} round(s), which side goes first alternating; ratio < 1 = current faster/smaller`);
  console.log(`    ${'step'.padEnd(26)} ${'current'.padEnd(11)} ${'baseline'.padEnd(11)} current/baseline   rounds (current | baseline)`);
  for (const [name, value, format = ms] of rows) {
    const c = currentRuns.map(value);
    const b = baselineRuns.map(value);
    console.log(`    ${name.padEnd(26)} ${format(median(c)).padEnd(11)} ${format(median(b)).padEnd(11)} ${`${(median(c) / median(b)).toFixed(2)}×`.padEnd(18)} ${c.map(format).join(', ')} | ${b.map(format).join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface LargeRun {
  first: GitfedStep;
  noop: GitfedStep;
  prune: GitfedStep;
  inventory: { afterFirst: Awaited<ReturnType<typeof inventorySize>>; afterPrune: Awaited<ReturnType<typeof inventorySize>> };
  pruneCheck: PruneCheck;
  peakRssKiB: number;
}

interface PruneCheck {
  expectedGone: number;
  gone: number;
  /** Gone although still in the repository. */
  wronglyGone: number;
  /** Still on the member (terminating ones included) although pruned from the repository. */
  left: number;
  terminating: number;
  met: boolean;
}

/** `Kind/namespace/name` of what a repository renders for `member`, with the apiVersions to list them. */
async function renderedIds(repo: string, member: string, instance: string): Promise<{ ids: Set<string>; kinds: Map<string, string> }> {
  const objects = render(await loadRepo(repo), { instance }).clusters[member] ?? [];
  return {
    ids: new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)),
    kinds: new Map(objects.map((o) => [o.kind, o.apiVersion])),
  };
}

/** Reads the member: are exactly the pruned objects gone and all the others still there? Waits up to a minute for deletions to finish. */
async function checkPruned(kubeconfig: string, member: string, instance: string, before: Set<string>, after: Set<string>, kinds: Map<string, string>): Promise<PruneCheck> {
  return withClients(kubeconfig, async (clients) => {
    const client = clients.find((c) => c.cluster === member)!;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const live = new Map<string, boolean>();
      for (const [kind, apiVersion] of kinds) {
        for (const o of await client.list(apiVersion, kind)) {
          if (o.metadata.annotations?.[instanceAnnotation] !== instance) continue;
          live.set(`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.deletionTimestamp !== undefined);
        }
      }
      const pruned = [...before].filter((id) => !after.has(id));
      const gone = pruned.filter((id) => !live.has(id)).length;
      const wronglyGone = [...after].filter((id) => !live.has(id) || live.get(id)).length;
      const terminating = pruned.filter((id) => live.get(id) === true).length;
      const result = { expectedGone: pruned.length, gone, wronglyGone, left: pruned.length - gone, terminating, met: pruned.length > 0 && gone === pruned.length && wronglyGone === 0 };
      // Nothing pending on the member: waiting would not change the answer.
      if (result.met || terminating === 0 || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  });
}

async function largeRun(work: string, labDir: string, kubeconfig: string, side: Side, round: number): Promise<LargeRun> {
  const prefix = `bench10k-${side.key}${round}`;
  const instance = prefix;
  const repo = path.join(work, `large-${side.key}${round}`);
  const step = () => measured(labDir, () => gitfedApply(side, repo, kubeconfig, instance, [largeMember]));
  const options = { prefix, members: [largeMember], objects: largeCount, replicas: 0 };
  try {
    await generateApplyRepo(repo, options);
    const before = await renderedIds(repo, largeMember, instance);
    const first = await step();
    await settle(kubeconfig);
    const afterFirst = await inventorySize(kubeconfig, largeMember, instance);
    const noop = await step();
    await generateApplyRepo(repo, { ...options, withoutPruned: true });
    const after = await renderedIds(repo, largeMember, instance);
    const prune = await step();
    const pruneCheck = await checkPruned(kubeconfig, largeMember, instance, before.ids, after.ids, before.kinds);
    const afterPrune = await inventorySize(kubeconfig, largeMember, instance);
    const peakRssKiB = Math.max(first.maxRssKiB, noop.maxRssKiB, prune.maxRssKiB);
    return { first, noop, prune, inventory: { afterFirst, afterPrune }, pruneCheck, peakRssKiB };
  } finally {
    await cleanUp(kubeconfig, [prefix], [instance]);
  }
}

async function largeCase(work: string, labDir: string, kubeconfig: string, sides: readonly Side[]): Promise<void> {
  const runs = new Map<Side, LargeRun[]>(sides.map((side) => [side, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) runs.get(side)!.push(await largeRun(work, labDir, kubeconfig, side, round));
  }
  const pruneCount = (r: LargeRun) => r.pruneCheck.expectedGone;
  for (const [side, sideRuns] of runs) {
    const r1 = sideRuns[0]!;
    console.log(`single-member case: ${Object.values(r1.first.members)[0]?.objects ?? largeCount} rendered objects on ${largeMember} (Deployments at replicas 0), ${side.label}, each apply in its own process`);
    console.log(`  ${'step'.padEnd(22)} ${'apply'.padEnd(10)} ${'process'.padEnd(10)} ${'gitfed CPU'.padEnd(11)} ${'peak RSS'.padEnd(9)} ${'requests w/r/dry/disc'.padEnd(24)} actions`);
    for (const [i, r] of sideRuns.entries()) {
      const rows: [string, GitfedStep][] = [['first apply', r.first], ['no-op re-apply', r.noop], [`prune ${pruneCount(r)}`, r.prune]];
      for (const [name, s] of rows) {
        const actions = ['created', 'configured', 'unchanged', 'deleted', 'skipped'].map((a) => [a, actionCount(s, a)] as const).filter(([, n]) => n > 0).map(([a, n]) => `${n} ${a}`).join(', ');
        const label = sideRuns.length > 1 ? `r${i + 1} ${name}` : name;
        console.log(`  ${label.padEnd(22)} ${ms(s.ms).padEnd(10)} ${ms(s.processMs).padEnd(10)} ${ms(s.cpuMs).padEnd(11)} ${mib(s.maxRssKiB).padEnd(9)} ${requests(s).padEnd(24)} ${s.ok ? actions || '-' : 'RUN FAILED'}`);
      }
    }
    for (const [i, r] of sideRuns.entries()) {
      const prefix = sideRuns.length > 1 ? `  round ${i + 1}: ` : '  ';
      const size = (s: LargeRun['inventory']['afterFirst']) => (s.configMaps === 0 ? 'none stored (no gitfed-inventory-* ConfigMap)' : `${s.bytes} bytes in ${s.configMaps} ConfigMap(s) (data ${s.dataBytes} bytes)`);
      console.log(`${prefix}inventory stored size after the first apply: ${size(r.inventory.afterFirst)}; after pruning: ${size(r.inventory.afterPrune)}`);
      const trouble = [['first apply', r.first], ['no-op re-apply', r.noop], ['prune', r.prune]] as const;
      const seen = trouble.flatMap(([name, s]) => problems(s).map((p) => `${name}: ${p}`));
      console.log(`${prefix}inventory saved and no member errors: ${check(side, `single-member inventory saved (${side.label})`, seen.length === 0)}`);
      for (const line of seen) console.log(`${prefix}  ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
      const logged = trouble.map(([name, s]) => [name, s.logLines.length] as const).filter(([, n]) => n > 0);
      if (logged.length > 0) console.log(`${prefix}gitfed log lines (warn and above): ${logged.map(([name, n]) => `${name} ${n}`).join(', ')}`);
      const m = Object.values(r.noop.members)[0];
      console.log(`${prefix}no-op target (0 writes, at most one list per kind (${m?.kinds ?? '?'}) + the inventory read): ${check(side, `single-member no-op target (${side.label})`, noopTargetMet(r.noop))} (${requests(r.noop)})`);
      const p = r.pruneCheck;
      console.log(`${prefix}prune check, read from ${largeMember}: ${p.gone} of the ${p.expectedGone} removed objects gone (${p.terminating} terminating), ${p.wronglyGone} of the others gone or terminating: ${check(side, `single-member prune exact (${side.label})`, p.met)}`);
      console.log(`${prefix}gitfed peak RSS for the case: ${mib(r.peakRssKiB)} (process.resourceUsage().maxRSS of each apply's own process; the largest of the three)`);
    }
  }
  if (runs.size > 1) {
    printComparison(`single-member case (${largeCount} objects)`, runs, [
      ['first apply', (r: LargeRun) => figure(r.first, r.first.ms)],
      ['no-op re-apply', (r: LargeRun) => figure(r.noop, r.noop.ms)],
      ['prune', (r: LargeRun) => figure(r.prune, r.prune.ms)],
      ['first apply, whole process', (r: LargeRun) => figure(r.first, r.first.processMs)],
      ['peak RSS', (r: LargeRun) => (r.first.ok && r.noop.ok && r.prune.ok ? r.peakRssKiB : Number.NaN), mib],
      ['inventory stored bytes', (r: LargeRun) => r.inventory.afterFirst.bytes, (v) => `${v.toFixed(0)} B`],
    ]);
  }
}

// ---------------------------------------------------------------------------------------------------------------

const work = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-apply-'));
const labDir = path.join(work, 'lab');
try {
  const sides: Side[] = [{ key: 'g', label: 'current', root: repoRoot, current: true }];
  if (values.baseline) sides.push(await prepareBaseline(values.baseline));
  const { info } = await startLab({ dir: labDir }, { env: process.env, logger });
  const binaries = await resolveLabBinaries({ env: process.env });
  const kubectl = binaries.kubectl ?? path.join(binaries.dir, 'kubectl');
  if (objectCount > 0) await fleetCase(work, labDir, info.kubeconfig, kubectl, sides);
  if (largeCount > 0) await largeCase(work, labDir, info.kubeconfig, sides);
  if (failedChecks.length > 0) {
    console.log(`checks of the current code NOT met: ${failedChecks.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('checks of the current code: all met');
  }
} finally {
  await stopLab(labDir).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
