/**
 * Apply benchmark (issue: apply engine): 1,000 rendered objects (mixed kinds) × 3 lab members.
 * gitfed's first apply, no-op re-apply and apply after 10% changed, side by side in the same run with
 * `kubectl apply --server-side` of the same rendered files (one kubectl per member, in parallel), on objects of
 * their own (same shapes, other namespaces) so both really create. Prints times, ratios and request counts, and the
 * CPU the lab's processes (kube-apiservers, etcd, controllers, kwok) spent in each window (Linux /proc): on a small
 * machine the members' own work, not the client, bounds how fast any client can create objects.
 *
 *   npm run bench:apply [-- --objects 1000]      GITFED_BENCH_CONCURRENCY=N sets requests in flight per member (16)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import { applyAll } from '../src/apply/apply-all.ts';
import { closeMembers, connectMembers } from '../src/cluster/connect-members.ts';
import { defaultDeletionGuard } from '../src/plan/deletion-guard.ts';
import { render } from '../src/render/render.ts';
import { loadRepo } from '../src/source/load-repo.ts';
import { resolveLabBinaries, startLab, stopLab } from '../src/lab/index.ts';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '1000' } } });
const objectCount = Number(values.objects);
const members = ['member1', 'member2', 'member3'];
const logger = pino({ level: 'warn' });
const run = promisify(execFile);

/** A repo of `count` federated objects across 10 namespaces, placed on every member; `variant` changes ~10%. */
async function writeRepo(dir: string, prefix: string, count: number, variant: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const clusters = members
    .map((name) => `apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: ${name}\nspec:\n  apiEndpoint: https://${name}:6443\n`)
    .join('---\n');
  await writeFile(path.join(dir, 'clusters.yaml'), clusters);
  const namespaces = 10;
  for (let n = 0; n < namespaces; n++) {
    const ns = `${prefix}-${n}`;
    const docs = [`apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: ${ns}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n`];
    for (let i = 0; i < count / namespaces - 1; i++) {
      const changed = variant > 0 && i % 10 === 0 ? `-v${variant}` : '';
      const head = (kind: string) => `apiVersion: types.kubefed.io/v1beta1\nkind: ${kind}\nmetadata:\n  name: obj-${i}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n  template:\n`;
      switch (i % 5) {
        case 0:
          docs.push(`${head('FederatedDeployment')}    spec:\n      replicas: 1\n      selector:\n        matchLabels: {app: obj-${i}}\n      template:\n        metadata:\n          labels: {app: obj-${i}}\n        spec:\n          containers:\n          - name: main\n            image: registry.example.com/app:1.0${changed}\n`);
          break;
        case 1:
          docs.push(`${head('FederatedService')}    spec:\n      selector: {app: obj-${i}}\n      ports:\n      - {name: http, port: 80, targetPort: 8080}\n      type: ClusterIP${changed ? `\n      sessionAffinity: ClientIP` : ''}\n`);
          break;
        case 2:
          docs.push(`${head('FederatedSecret')}    stringData:\n      token: value${changed}\n`);
          break;
        default:
          docs.push(`${head('FederatedConfigMap')}    data:\n      key: value${changed}\n      other: "${i}"\n`);
      }
    }
    await writeFile(path.join(dir, `${ns}.yaml`), docs.join('---\n'));
  }
}

/** CPU time (ms) the lab's processes have used so far: those whose command line names the lab directory. */
async function labCpuMs(labDir: string): Promise<number> {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(labDir)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / tick; // utime + stime
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Runs a step and adds the lab's CPU time during it. */
async function measured<T extends { ms: number }>(labDir: string, step: () => Promise<T>): Promise<T & { labCpuMs: number }> {
  const before = await labCpuMs(labDir);
  const result = await step();
  return { ...result, labCpuMs: (await labCpuMs(labDir)) - before };
}

const concurrency = Number(process.env.GITFED_BENCH_CONCURRENCY ?? 16);

async function gitfedApply(repo: string, kubeconfig: string) {
  const model = await loadRepo(repo);
  const rendered = render(model, { instance: 'bench' });
  const rateLimit = { maxConcurrent: concurrency, qps: 200 * (concurrency / 16), burst: 400 * (concurrency / 16) };
  const connections = await connectMembers(members, { kubeconfig, client: { rateLimit } }, { logger });
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const report = await applyAll(rendered, model.clusters, connections, {
      instance: 'bench', dryRun: false, adopt: false, conflicts: 'force', deletionGuard: defaultDeletionGuard, allowMassDeletion: true,
    }, { logger });
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stats = [...connections.values()].map((c) => ('stats' in c ? c.stats() : null));
    const actions = Object.values(report.clusters).flatMap((m) => m.changes.map((c) => c.action));
    return { ms, cpuMs, stats, objects: Object.values(rendered.clusters)[0]?.length ?? 0, actions };
  } finally {
    await closeMembers(connections);
  }
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

/** Waits until the members' controllers are done with every benchmark Deployment, so no step pays for another's rollout. */
async function settle(kubeconfig: string): Promise<void> {
  const connections = await connectMembers(members, { kubeconfig }, { logger });
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const lists = await Promise.all([...connections.values()].map((c) => ('list' in c ? c.list('apps/v1', 'Deployment') : [])));
      const pending = lists.flat().filter((d) => {
        const status = (d.status ?? {}) as { availableReplicas?: number; observedGeneration?: number };
        const spec = d.spec as { replicas?: number };
        return d.metadata.namespace?.startsWith('bench-') && ((status.availableReplicas ?? 0) < (spec.replicas ?? 1) || status.observedGeneration !== d.metadata.generation);
      });
      if (pending.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await closeMembers(connections);
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-apply-'));
const labDir = path.join(work, 'lab');
try {
  const { info } = await startLab({ dir: labDir }, { env: process.env, logger });
  const binaries = await resolveLabBinaries({ env: process.env });
  const kubectl = binaries.kubectl ?? path.join(binaries.dir, 'kubectl');
  const gitfedRepo = path.join(work, 'gitfed-repo');
  const kubectlRepo = path.join(work, 'kubectl-repo');
  const out = path.join(work, 'kubectl-files');

  const rows: [string, { ms: number; labCpuMs: number }, { ms: number; labCpuMs: number }][] = [];
  const gitfedStep = () => measured(labDir, () => gitfedApply(gitfedRepo, info.kubeconfig));
  const kubectlStep = () => measured(labDir, () => kubectlApply(kubectlRepo, info.kubeconfig, kubectl, out));
  await writeRepo(gitfedRepo, 'bench-g', objectCount, 0);
  await writeRepo(kubectlRepo, 'bench-k', objectCount, 0);
  // For context only: a shell loop applying to one member after another, on objects of its own.
  const loopRepo = path.join(work, 'kubectl-loop-repo');
  await writeRepo(loopRepo, 'bench-l', objectCount, 0);
  const kLoop = await measured(labDir, () => kubectlApply(loopRepo, info.kubeconfig, kubectl, path.join(work, 'kubectl-loop-files'), true));
  await settle(info.kubeconfig);
  // Each measured step starts on a quiet lab; kubectl goes first in the first step, gitfed in the others.
  const kFirst = await kubectlStep();
  await settle(info.kubeconfig);
  const first = await gitfedStep();
  await settle(info.kubeconfig);
  rows.push(['first apply', first, kFirst]);
  const noop = await gitfedStep();
  const kNoop = await kubectlStep();
  rows.push(['no-op re-apply', noop, kNoop]);
  await writeRepo(gitfedRepo, 'bench-g', objectCount, 1);
  await writeRepo(kubectlRepo, 'bench-k', objectCount, 1);
  await settle(info.kubeconfig);
  const changed = await gitfedStep();
  await settle(info.kubeconfig);
  const kChanged = await kubectlStep();
  rows.push(['apply after 10% changed', changed, kChanged]);

  console.log(`apply benchmark: ${first.objects} rendered objects per member × ${members.length} members (lab), kubectl ${kubectl}`);
  console.log('  step                       gitfed      kubectl --server-side   kubectl/gitfed');
  for (const [name, g, k] of rows) console.log(`  ${name.padEnd(26)} ${`${g.ms.toFixed(0)} ms`.padEnd(11)} ${`${k.ms.toFixed(0)} ms`.padEnd(23)} ${(k.ms / g.ms).toFixed(2)}×`);
  console.log(`  (context: kubectl applying to the members one after another, as a shell loop would: ${kLoop.ms.toFixed(0)} ms, ${(kLoop.ms / first.ms).toFixed(2)}× gitfed's first apply)`);
  const cores = os.availableParallelism();
  console.log(`  lab processes' CPU in each window (${cores} cores here; gitfed's window cannot be shorter than (lab + gitfed CPU) / cores):`);
  for (const [name, g, k] of rows) {
    console.log(`    ${name.padEnd(24)} gitfed ${(g.labCpuMs / 1000).toFixed(1)} s (${((g.labCpuMs / g.ms / cores) * 100).toFixed(0)}% of the machine)   kubectl ${(k.labCpuMs / 1000).toFixed(1)} s (${((k.labCpuMs / k.ms / cores) * 100).toFixed(0)}%)`);
  }
  const perMember = (r: Awaited<ReturnType<typeof gitfedApply>>) => r.stats.map((s) => (s ? `w${s.writes}/r${s.reads}/dry${s.dryRuns}/disc${s.discovery}` : '-')).join('  ');
  console.log(`  requests per member (writes/reads/dry-runs/discovery):`);
  console.log(`    first apply      ${perMember(first)}`);
  console.log(`    no-op re-apply   ${perMember(noop)}   (kinds per member: 5)`);
  // Reads are one list per kind plus the inventory's GET; discovery is one request per group version.
  const kinds = 5;
  const noopTargetMet = noop.stats.every((s) => s !== null && s.writes === 0 && s.dryRuns === 0 && s.reads <= kinds + 1 && s.discovery <= kinds);
  console.log(`    10% changed      ${perMember(changed)}`);
  console.log(`  no-op target (0 writes, at most one list per kind + the inventory read): ${noopTargetMet ? 'met' : 'NOT met'}`);
  console.log(`  gitfed's own CPU: first ${first.cpuMs.toFixed(0)} ms, no-op ${noop.cpuMs.toFixed(0)} ms, 10% ${changed.cpuMs.toFixed(0)} ms`);
  console.log(`  floor for gitfed's first apply on this machine: ${((first.labCpuMs + first.cpuMs) / cores / 1000).toFixed(1)} s`);
  const count = (r: Awaited<ReturnType<typeof gitfedApply>>, action: string) => r.actions.filter((a) => a === action).length;
  console.log(`  actions: first ${count(first, 'created')} created; no-op ${count(noop, 'unchanged')} unchanged; 10% ${count(changed, 'configured')} configured`);
} finally {
  await stopLab(labDir).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
