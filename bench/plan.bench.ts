/**
 * Plan benchmark (issue 6): `gitfed plan` between two revisions of the 10,000-object benchmark repository (50
 * clusters, 1,000 RSPs), committed to a temporary Git repository. The head revision is the same generator with
 * another variant: every Deployment's image tag and every ConfigMap's VERSION change, so most member objects change.
 * Each run is the real command in a fresh process (`bin/gitfed.js plan --base main~1 --head main`), timed from
 * spawn to exit, for both output formats. Prints medians (target < 10 s).
 *
 *   npm run bench:plan [-- --runs 3]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import git from 'isomorphic-git';
import { benchmarkSize, generateRepo } from './generate-repo.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(values.runs));
const bin = fileURLToPath(new URL('../bin/gitfed.js', import.meta.url));
const author = { name: 'bench', email: 'bench@gitfed.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

interface Phases {
  base: number;
  head: number;
  plan: number;
  written: number;
  wall: number;
}

/** Phase times (ms since the command's action started) from the debug log lines `gitfed plan` writes. */
function phasesOf(stderr: string, wall: number, baseRevision: string): Phases {
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; ms?: number; revision?: string });
  const rendered = lines.filter((line) => line.msg === 'revision read, loaded and rendered');
  const at = (msg: string) => lines.find((line) => line.msg === msg)?.ms ?? NaN;
  return {
    base: rendered.find((line) => line.revision === baseRevision)?.ms ?? NaN,
    head: rendered.find((line) => line.revision !== baseRevision)?.ms ?? NaN,
    plan: at('plan made'),
    written: at('plan written'),
    wall,
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-plan-'));
try {
  const started = performance.now();
  await git.init({ fs, dir, defaultBranch: 'main' });
  const commits: string[] = [];
  for (const variant of [0, 1]) {
    await generateRepo(dir, benchmarkSize, variant);
    await git.add({ fs, dir, filepath: '.' });
    commits.push(await git.commit({ fs, dir, message: `benchmark repository, variant ${variant}`, author }));
  }
  console.log(`plan benchmark: ${benchmarkSize.objects} federated objects (${benchmarkSize.preferences} RSPs), ${benchmarkSize.clusters} clusters, ${runs} runs per format (medians)`);
  console.log(`  two revisions generated and committed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  for (const format of ['markdown', 'json'] as const) {
    const samples: number[] = [];
    const phases: Phases[] = [];
    let bytes = 0;
    let firstLine = '';
    for (let run = 0; run < runs; run++) {
      const outFile = path.join(dir, `.plan-output.${format}`);
      const out = openSync(outFile, 'w');
      const t0 = performance.now();
      const result = spawnSync(process.execPath, [bin, 'plan', '--repo', dir, '--base', 'main~1', '--head', 'main', '-o', format], {
        stdio: ['ignore', out, 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        env: { ...process.env, GITFED_LOG_LEVEL: 'debug', GITFED_LOG_FORMAT: 'json' },
      });
      const wall = performance.now() - t0;
      samples.push(wall);
      phases.push(phasesOf(result.stderr, wall, commits[0]!));
      closeSync(out);
      if (result.status !== 0) throw new Error(`gitfed plan exited ${result.status}: ${result.stderr}`);
      bytes = statSync(outFile).size;
      if (format === 'markdown') firstLine = fs.readFileSync(outFile, 'utf8').split('\n')[0] ?? '';
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `  plan -o ${format.padEnd(8)} ${(median / 1000).toFixed(2)} s   (runs: ${samples.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s; output ${(bytes / 1024 / 1024).toFixed(1)} MiB; target < 10 s)`,
    );
    const at = phases[samples.indexOf(median)]!;
    console.log(
      `    median run: base rendered ${seconds(at.base)}, head rendered ${seconds(at.head)}, plan made ${seconds(at.plan)}, written ${seconds(at.written)} ` +
        `after the command started; process start-up, ref resolution and exit ${seconds(at.wall - at.written)}`,
    );
    if (firstLine) console.log(`    ${firstLine}`);
  }
  console.log(`  load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')} on ${os.availableParallelism()} CPUs`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
