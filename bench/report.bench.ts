/**
 * Report benchmark (issue 11, item 4): build and format the status report of 50 members × 10,000 member objects
 * (500,000 cells, the synthetic input of test/support/large-report-input.ts) and print the time of each step (wall
 * and CPU), README.md's size, the largest detail page, report.yaml's size (raw and gzipped: what a commit sends)
 * and the process's peak RSS. Target: build + format under 2 s.
 *
 *   npm run bench:report [-- --runs 3 --clusters 50 --objects 10000 --namespaces 100]
 */
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildReport } from '../src/report/build-report.ts';
import { formatReportFiles } from '../src/report/report-files.ts';
import { largeReportInput, largeReportSize } from '../test/support/large-report-input.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    clusters: { type: 'string', default: String(largeReportSize.clusters) },
    objects: { type: 'string', default: String(largeReportSize.objects) },
    namespaces: { type: 'string', default: String(largeReportSize.namespaces) },
  },
});
const size = { clusters: Number(values.clusters), objects: Number(values.objects), namespaces: Number(values.namespaces) };
const runs = Number(values.runs);

interface Sample { buildMs: number; buildCpuMs: number; formatMs: number; formatCpuMs: number }
const samples: Sample[] = [];
let files = new Map<string, string>();
for (let run = 0; run < runs; run++) {
  files.clear();
  const input = largeReportInput(size);
  // The synthetic input is made in one burst just before; its garbage is collected before the clock starts
  // (a daemon's input builds up over a whole pass instead). Needs --expose-gc (the npm script passes it).
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = buildReport(input);
  const built = performance.now();
  const builtCpu = process.cpuUsage(cpu);
  files = formatReportFiles(report);
  const formatted = performance.now();
  const formattedCpu = process.cpuUsage(cpu);
  samples.push({
    buildMs: built - started,
    buildCpuMs: (builtCpu.user + builtCpu.system) / 1000,
    formatMs: formatted - built,
    formatCpuMs: (formattedCpu.user + formattedCpu.system - builtCpu.user - builtCpu.system) / 1000,
  });
}

const median = (key: keyof Sample) => {
  const sorted = samples.map((sample) => sample[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
const pages = [...files].filter(([path]) => path.startsWith('details/'));
const largest = pages.reduce<[string, number]>((best, [path, text]) => (bytes(text) > best[1] ? [path, bytes(text)] : best), ['(none)', 0]);
const yaml = files.get('report.yaml') ?? '';
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

console.log(`report benchmark: ${size.clusters} members × ${size.objects} objects (${size.clusters * size.objects} cells), ${size.namespaces} namespaces, ${runs} runs (medians)`);
console.log(`  build         ${median('buildMs').toFixed(0)} ms wall, ${median('buildCpuMs').toFixed(0)} ms CPU`);
console.log(`  format        ${median('formatMs').toFixed(0)} ms wall, ${median('formatCpuMs').toFixed(0)} ms CPU (report.yaml, README.md, ${pages.length} detail pages)`);
console.log(`  total         ${(median('buildMs') + median('formatMs')).toFixed(0)} ms wall (target < 2000 ms)`);
console.log(`  README.md     ${kib(bytes(files.get('README.md')))} (bound 1 MiB)`);
console.log(`  largest page  ${largest[0]} ${kib(largest[1])} (bound 256 KiB)`);
console.log(`  report.yaml   ${mib(bytes(yaml))}, ${mib(gzipSync(yaml).length)} gzipped`);
console.log(`  peak RSS      ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
