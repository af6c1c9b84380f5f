/**
 * Lab benchmark (issue 3: speed and memory): starts a lab in a temp dir with the binaries cached, prints the time
 * to ready (total and per member) and the resident memory (VmRSS) of every component the lab recorded, then stops
 * it. Budget from the issue: 3 members ready in under 60 s, under 2.5 GB RSS in total; exit code 1 when over.
 *
 *   node bench/lab.bench.ts [--members 3] [--profile full|api[,…]] [--settle 10]     (Node 24: types are stripped)
 *
 * With several profiles (e.g. --profile full,api) it starts one lab per profile in turn and prints each one's
 * figures, then the RSS per member of each side by side.
 *
 * RSS is sampled once a second for --settle seconds after ready (controllers keep allocating while they sync);
 * each component's figure is its highest sample.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  readProcessRecords,
  labProfiles,
  readRssKiB,
  resolveLabBinaries,
  startLab,
  stopLab,
  type LabProfile,
  type ProcessRecord,
} from '../src/lab/index.ts';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '3' }, settle: { type: 'string', default: '10' }, profile: { type: 'string', default: 'full' } },
});
const members = Number(values.members);
const settleSeconds = Number(values.settle);
const profiles = values.profile.split(',').map((name) => {
  const profile = labProfiles.find((p) => p === name.trim());
  if (!profile) throw new Error(`--profile: expected ${labProfiles.join(', ')}, not ${name}`);
  return profile;
});
const budget = { readySeconds: 60, totalRssMiB: 2.5 * 1024 };

// Binaries first (a cold build takes minutes and is not what this measures), then the lab reuses them directly.
const binaries = await resolveLabBinaries({ env: process.env, progress: process.stderr });
const perMemberMiB = new Map<LabProfile, number>();
let failed = false;
for (const profile of profiles) await measure(profile);
if (perMemberMiB.size > 1) {
  process.stdout.write(`\nRSS per member: ${[...perMemberMiB].map(([p, v]) => `${p} ${v.toFixed(0)} MiB`).join(', ')}\n`);
}
process.exitCode = failed ? 1 : 0;

async function measure(profile: LabProfile): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-lab-'));
  const logger = pino({ level: 'warn' }, process.stderr);
  try {
    const result = await startLab(
      { dir, members, profile },
      { env: { ...process.env, GITFED_LAB_BIN: binaries.dir }, logger, progress: process.stderr },
    );
    const timings = result.timings;
    if (!timings) throw new Error(`a lab was already running in ${dir}`);

    const records = await readProcessRecords(dir);
    const peak = new Map<string, number>();
    for (let second = 0; second <= settleSeconds; second++) {
      for (const record of records) {
        const rss = readRssKiB(record.pid) ?? 0;
        peak.set(record.id, Math.max(peak.get(record.id) ?? 0, rss));
      }
      if (second < settleSeconds) await sleep(1_000);
    }

    const stopStarted = performance.now();
    await stopLab(dir);
    const stopSeconds = (performance.now() - stopStarted) / 1000;

    const mib = (kib: number) => kib / 1024;
    const totalRssMiB = mib([...peak.values()].reduce((a, b) => a + b, 0));
    const lines: string[][] = [['', 'ready s', 'RSS MiB']];
    lines.push(['lab (total)', timings.totalSeconds.toFixed(1), totalRssMiB.toFixed(0)]);
    for (const m of timings.members) {
      const own = records.filter((r) => r.member === m.name);
      lines.push([m.name, m.readySeconds.toFixed(1), mib(sum(own, peak)).toFixed(0)]);
    }
    lines.push(['', '', '']);
    for (const record of records) lines.push([`  ${record.id}`, '', mib(peak.get(record.id) ?? 0).toFixed(0)]);
    const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
    process.stdout.write(`\nlab benchmark: ${members} members, profile ${profile}, ${os.cpus().length} CPUs, RSS = highest VmRSS over ${settleSeconds} s after ready\n`);
    for (const l of lines) {
      process.stdout.write(`${(l[0] ?? '').padEnd(widths[0] ?? 0)}  ${(l[1] ?? '').padStart(widths[1] ?? 0)}  ${(l[2] ?? '').padStart(widths[2] ?? 0)}\n`);
    }
    process.stdout.write(`stopped in ${stopSeconds.toFixed(1)} s\n`);

    perMemberMiB.set(profile, mib(sum(records.filter((r) => r.member !== undefined), peak)) / members);
    if (members === 3 && profile === 'full') {
      const overTime = timings.totalSeconds > budget.readySeconds;
      const overRss = totalRssMiB > budget.totalRssMiB;
      process.stdout.write(
        `budget: ready ${timings.totalSeconds.toFixed(1)} s / ${budget.readySeconds} s ${overTime ? 'OVER' : 'ok'}; ` +
          `RSS ${totalRssMiB.toFixed(0)} MiB / ${budget.totalRssMiB} MiB ${overRss ? 'OVER' : 'ok'}\n`,
      );
      if (overTime || overRss) failed = true;
    }
  } catch (err) {
    process.stderr.write(`lab benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    failed = true;
  } finally {
    await stopLab(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}


function sum(records: ProcessRecord[], peak: Map<string, number>): number {
  return records.reduce((total, r) => total + (peak.get(r.id) ?? 0), 0);
}
