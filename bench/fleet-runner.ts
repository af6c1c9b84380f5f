/**
 * One gitfed apply in a process of its own, for the fleet benchmark (fleet.bench.ts): its peak RSS and CPU are
 * gitfed's alone. Loads, renders and applies as `gitfed apply` does (connectMembers with one shared fleet bound,
 * then observe → write → prune), and prints one JSON line on stdout: applyAll's time and CPU, peak RSS, the RSS
 * and heap sampled through each step (what the lists of observe cost against the writes), requests per member,
 * the requests in flight at once (counted on the wire by the clients' shared gauge), actions, and every
 * `configured` change with its fields (the drift pass checks each edit was put back, field by field).
 *
 *   node bench/fleet-runner.ts --repo DIR --kubeconfig FILE --instance NAME --members a,b [--max-in-flight 64] [--member-in-flight 16] [--member-qps 200]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { observeMembers, pruneMembers, writeMembers } from '../src/apply/apply-all.ts';
import type { RequestStats } from '../src/cluster/cluster-client.ts';
import { closeMembers, connectMembers } from '../src/cluster/connect-members.ts';
import { createFleetLimits, defaultFleetLimits } from '../src/cluster/fleet-limits.ts';
import { defaultDeletionGuard } from '../src/plan/deletion-guard.ts';
import { render } from '../src/render/render.ts';
import { loadRepo } from '../src/source/load-repo.ts';

export interface StepMemory {
  /** Highest RSS and V8 heap sampled (every 20 ms) while the step ran, MiB. */
  rssMiB: number;
  heapMiB: number;
}

export interface FleetRunnerResult {
  ok: boolean;
  error?: string;
  applyMs: number;
  cpuMs: number;
  maxRssKiB: number;
  /** After load and render, before any request: what the process holds before the members' lists. */
  renderedRssMiB: number;
  steps: { observe: StepMemory; write: StepMemory; prune: StepMemory };
  inFlight: { peak: number; memberPeak: number; maxInFlight: number; memberInFlight: number };
  members: Record<string, {
    objects: number;
    stats: RequestStats | null;
    actions: Record<string, number>;
    problems: string[];
    configured: { id: string; fields: string[]; drift: boolean }[];
  }>;
}

const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    kubeconfig: { type: 'string' },
    instance: { type: 'string' },
    members: { type: 'string' },
    'max-in-flight': { type: 'string', default: String(defaultFleetLimits.maxInFlight) },
    'member-in-flight': { type: 'string', default: String(defaultFleetLimits.memberInFlight) },
    'member-qps': { type: 'string', default: String(defaultFleetLimits.memberQps) },
  },
});

/** Samples RSS and heap while `work` runs. */
async function sampled<T>(work: () => Promise<T>): Promise<[T, StepMemory]> {
  const memory: StepMemory = { rssMiB: 0, heapMiB: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    memory.rssMiB = Math.max(memory.rssMiB, usage.rss / 2 ** 20);
    memory.heapMiB = Math.max(memory.heapMiB, usage.heapUsed / 2 ** 20);
  };
  const timer = setInterval(sample, 20);
  try {
    sample();
    const result = await work();
    sample();
    return [result, memory];
  } finally {
    clearInterval(timer);
  }
}

async function applyOnce(result: FleetRunnerResult): Promise<void> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const instance = values.instance ?? 'bench';
  const members = (values.members ?? '').split(',');
  const limits = createFleetLimits({ maxInFlight: Number(values['max-in-flight']), memberInFlight: Number(values['member-in-flight']), memberQps: Number(values['member-qps']) });
  const model = await loadRepo(values.repo ?? '.');
  const rendered = render(model, { instance });
  result.renderedRssMiB = process.memoryUsage().rss / 2 ** 20;
  const connections = await connectMembers(members, { kubeconfig: values.kubeconfig, client: { fleet: limits } }, { logger });
  try {
    const options = { instance, dryRun: false, adopt: false, conflicts: 'force' as const, deletionGuard: defaultDeletionGuard, allowMassDeletion: true };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const [observed, observe] = await sampled(() => observeMembers(rendered, model.clusters, connections, options));
    const [written, write] = await sampled(() => writeMembers(observed));
    const [report, prune] = await sampled(() => pruneMembers(rendered.revision, written));
    result.applyMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    result.cpuMs = (cpu.user + cpu.system) / 1000;
    result.steps = { observe, write, prune };
    const byMember = [...limits.gauge.byMember().values()];
    result.inFlight = { peak: limits.gauge.total().peak, memberPeak: Math.max(0, ...byMember.map((count) => count.peak)), ...limits.options };
    for (const [cluster, member] of Object.entries(report.clusters)) {
      const connection = connections.get(cluster);
      const actions: Record<string, number> = {};
      for (const change of member.changes) actions[change.action] = (actions[change.action] ?? 0) + 1;
      result.members[cluster] = {
        objects: rendered.clusters[cluster]?.length ?? 0,
        stats: connection && 'stats' in connection ? connection.stats() : null,
        actions,
        problems: [...(member.reachable ? [] : [member.message ?? 'not reachable']), ...(member.failures ?? []).map((f) => `${f.stage}: ${f.message}`)],
        configured: member.changes.filter((c) => c.action === 'configured').map((c) => ({ id: c.id, fields: c.fields ?? [], drift: c.drift ?? false })),
      };
    }
    result.ok = true;
  } finally {
    await closeMembers(connections);
  }
}

const none: StepMemory = { rssMiB: 0, heapMiB: 0 };
const result: FleetRunnerResult = {
  ok: false, applyMs: 0, cpuMs: 0, maxRssKiB: 0, renderedRssMiB: 0, steps: { observe: none, write: none, prune: none },
  inFlight: { peak: 0, memberPeak: 0, maxInFlight: 0, memberInFlight: 0 }, members: {},
};
await applyOnce(result).catch((err: unknown) => {
  result.ok = false;
  result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
});
result.maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
