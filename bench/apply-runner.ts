/**
 * One gitfed apply in a process of its own, for the apply benchmark (apply.bench.ts): its peak RSS is gitfed's
 * alone, and `--root` picks the tree whose code runs, so a baseline revision checked out in a worktree runs
 * beside the current one. Loads, renders and applies as `gitfed apply` does (same connectMembers + applyAll),
 * and prints one JSON line on stdout: times, request counts per member (the client's own counters, which the
 * CLI does not print), actions, the members' messages and `process.resourceUsage().maxRSS`. gitfed's log goes
 * to stderr.
 *
 * It uses only what both revisions export (loadRepo, render, connectMembers/closeMembers, applyAll,
 * defaultDeletionGuard), through a structural view of its own below, not this tree's types. A rewrite that
 * changes those entry points changes this file with it.
 *
 *   node bench/apply-runner.ts --root DIR --repo DIR --kubeconfig FILE --instance NAME --members a,b --concurrency 16
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import type { ClusterClient, RequestStats } from '../src/cluster/cluster-client.ts';

/*
 * The runner holds its own, structural view of the modules it loads, not their types from this tree: it has to
 * load another revision's code too. Extra arguments and fields one revision lacks are harmless (the logger
 * argument to applyAll; `inventoryFailed` or `failures` in a member's result).
 */
type Connections = Map<string, ClusterClient | { unavailable: string }>;
interface RenderedObject { apiVersion: string; kind: string }
interface Rendered { clusters: Record<string, RenderedObject[]> }
interface Model { clusters: unknown[] }
interface MemberOutcome {
  reachable: boolean;
  changes: { action: string }[];
  message?: string;
  inventoryFailed?: boolean;
  failures?: { stage: string; message: string }[];
}
interface LoadRepoModule { loadRepo(dir: string): Promise<Model> }
interface RenderModule { render(model: Model, options: { instance: string }): Rendered }
interface ConnectMembersModule {
  connectMembers(members: string[], options: { kubeconfig?: string | undefined; client?: object }, deps: { logger: Logger }): Promise<Connections>;
  closeMembers(connections: Connections): Promise<void>;
}
interface ApplyAllModule {
  applyAll(rendered: Rendered, clusters: unknown[], clients: Connections, options: object, deps: { logger: Logger }): Promise<{ clusters: Record<string, MemberOutcome> }>;
}
interface DeletionGuardModule { defaultDeletionGuard: unknown }

/** What the benchmark reads from the runner's stdout. */
export interface RunnerResult {
  ok: boolean;
  /** Set when the run threw: the bench reports it as the step's failure. */
  error?: string;
  /** applyAll alone (load and render excluded), as the benchmark has always timed it. */
  applyMs: number;
  /** gitfed's CPU during applyAll. */
  cpuMs: number;
  maxRssKiB: number;
  members: Record<string, {
    objects: number;
    kinds: number;
    stats: RequestStats | null;
    actions: Record<string, number>;
    reachable: boolean;
    /** Why the member was unreachable, and every step that did not finish (the inventory's save among them). */
    problems: string[];
  }>;
}

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    repo: { type: 'string' },
    kubeconfig: { type: 'string' },
    instance: { type: 'string' },
    members: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
  },
});

async function load<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(values.root ?? '', relative)).href)) as T;
}

async function applyOnce(): Promise<RunnerResult> {
  const { loadRepo } = await load<LoadRepoModule>('src/source/load-repo.ts');
  const { render } = await load<RenderModule>('src/render/render.ts');
  const { connectMembers, closeMembers } = await load<ConnectMembersModule>('src/cluster/connect-members.ts');
  const { applyAll } = await load<ApplyAllModule>('src/apply/apply-all.ts');
  const { defaultDeletionGuard } = await load<DeletionGuardModule>('src/plan/deletion-guard.ts');
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const instance = values.instance ?? 'bench';
  const members = (values.members ?? '').split(',');
  const concurrency = Number(values.concurrency);

  const model = await loadRepo(values.repo ?? '.');
  const rendered = render(model, { instance });
  const rateLimit = { maxConcurrent: concurrency, qps: 200 * (concurrency / 16), burst: 400 * (concurrency / 16) };
  const connections = await connectMembers(members, { kubeconfig: values.kubeconfig, client: { rateLimit } }, { logger });
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const report = await applyAll(rendered, model.clusters, connections, {
      instance, dryRun: false, adopt: false, conflicts: 'force', deletionGuard: defaultDeletionGuard, allowMassDeletion: true,
    }, { logger });
    const applyMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const result: RunnerResult = { ok: true, applyMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKiB: 0, members: {} };
    for (const [cluster, member] of Object.entries(report.clusters)) {
      const connection = connections.get(cluster);
      const objects = rendered.clusters[cluster] ?? [];
      const actions: Record<string, number> = {};
      for (const change of member.changes) actions[change.action] = (actions[change.action] ?? 0) + 1;
      result.members[cluster] = {
        objects: objects.length,
        kinds: new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`)).size,
        stats: connection && 'stats' in connection ? connection.stats() : null,
        actions,
        reachable: member.reachable,
        problems: problemsOf(member),
      };
    }
    return result;
  } finally {
    await closeMembers(connections);
  }
}

function problemsOf(member: MemberOutcome): string[] {
  const failures = (member.failures ?? []).map((failure) => `${failure.stage}: ${failure.message}`);
  if (failures.length > 0) return member.reachable ? failures : [member.message ?? 'not reachable', ...failures];
  if (member.message !== undefined || member.inventoryFailed) return [member.message ?? 'inventory not saved'];
  return [];
}

const result = await applyOnce().catch((err: unknown): RunnerResult => ({
  ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err), applyMs: 0, cpuMs: 0, maxRssKiB: 0, members: {},
}));
// Peak RSS of this whole process (node itself, load, render and apply), in KiB.
result.maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
