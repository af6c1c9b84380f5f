/**
 * Render benchmark (issue: core renderer): load + validate + render a generated repository of 10,000 federated
 * objects (1,000 RSPs) over 50 clusters. Each measured run is a fresh child process, so its peak RSS is its own.
 * Prints objects rendered per second beside the time a bare structuredClone of the same output takes (the floor),
 * and the time validating every member object against the shipped Kubernetes schemas adds (src/validate/).
 *
 *   npm run bench:render [-- --runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { benchmarkSize, generateRepo } from './generate-repo.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, measure: { type: 'string' } } });

if (values.measure) {
  // Child: one measured run over an existing repository.
  const { loadRepo } = await import('../src/source/load-repo.ts');
  const { render } = await import('../src/render/render.ts');
  const started = performance.now();
  const model = await loadRepo(values.measure);
  const loaded = performance.now();
  const result = render(model);
  const rendered = performance.now();
  // Validation column: the shipped schemas read, converted and compiled, then every member object checked.
  const { shippedSchemas, defaultKubeVersion } = await import('../src/source/schema-bundles.ts');
  const { validateRender } = await import('../src/validate/validate-render.ts');
  const validateStart = performance.now();
  const found = validateRender(result, model, await shippedSchemas(defaultKubeVersion));
  const validated = performance.now();
  const outputs = Object.values(result.clusters).flat();
  const cloneStart = performance.now();
  for (const object of outputs) structuredClone(object);
  const cloned = performance.now();
  process.stdout.write(
    JSON.stringify({
      loadMs: loaded - started,
      renderMs: rendered - loaded,
      totalMs: rendered - started,
      validateMs: validated - validateStart,
      invalid: found.filter((d) => d.code === 'ObjectInvalid').length,
      cloneMs: cloned - cloneStart,
      objects: model.objects.length,
      outputs: outputs.length,
      errors: result.diagnostics.filter((d) => d.severity === 'error').length,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-bench-render-'));
  try {
    await generateRepo(dir, benchmarkSize);
    const runs = Number(values.runs);
    const samples: Record<string, number>[] = [];
    for (let run = 0; run < runs; run++) {
      const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--measure', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
      samples.push(JSON.parse(out) as Record<string, number>);
    }
    const median = (key: string) => {
      const sorted = samples.map((s) => s[key] as number).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] as number;
    };
    const first = samples[0] as Record<string, number>;
    const totalMs = median('totalMs');
    const cloneMs = median('cloneMs');
    console.log(`render benchmark: ${benchmarkSize.objects} federated objects (${benchmarkSize.preferences} RSPs), ${benchmarkSize.clusters} clusters, ${runs} runs (medians)`);
    console.log(`  member objects rendered      ${first.outputs}   (load/render errors: ${first.errors})`);
    console.log(`  load + validate              ${median('loadMs').toFixed(0)} ms`);
    console.log(`  render                       ${median('renderMs').toFixed(0)} ms`);
    console.log(`  load + validate + render     ${totalMs.toFixed(0)} ms   (target < 5000 ms)`);
    console.log(`  validate member objects      ${median('validateMs').toFixed(0)} ms   (target < 1500 ms added; ObjectInvalid: ${first.invalid})`);
    console.log(`  objects rendered per second  ${Math.round(((first.outputs as number) / median('renderMs')) * 1000)}`);
    console.log(`  structuredClone floor        ${cloneMs.toFixed(0)} ms for the same ${first.outputs} objects (render/clone ratio ${(median('renderMs') / cloneMs).toFixed(2)})`);
    console.log(`  peak RSS                     ${median('peakRssMb').toFixed(0)} MB   (target < 1536 MB)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
