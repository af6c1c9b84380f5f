/** `gitfed render`: what each member must hold, from a repository on disk. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { GitfedError } from '../../model/diagnostic.ts';
import { resourceId } from '../../model/identity.ts';
import { heldObjects } from '../../plan/held-objects.ts';
import type { KubeObject } from '../../model/types.ts';
import { applyStages, stageOf } from '../../render/order-objects.ts';
import { render, type RenderResult } from '../../render/render.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { splitDiagnostics, writeDiagnostics } from '../format-diagnostics.ts';
import { addKubeVersionOption, validateMembers, type ValidationFlags } from '../validation.ts';

interface RenderFlags extends ValidationFlags {
  repo: string;
  output: 'yaml' | 'json';
  out?: string;
  instance: string;
}

export function registerRender(program: Command, ctx: CliContext): void {
  addKubeVersionOption(program.command('render'))
    .description('render the federated manifests of a repository into the objects each member cluster must hold')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--out <dir>', 'write one YAML file per object under <dir>/<cluster>/ instead of printing')
    .option('--instance <name>', 'gitfed instance name recorded in the ownership annotation', 'gitfed')
    .option('--live', "validate against the schemas each member publishes (/openapi/v3) instead of the shipped ones")
    .option('--kubeconfig <file>', 'with --live: kubeconfig with one context per member, named after the cluster')
    .addHelpText(
      'after',
      `
Examples:
  gitfed render --repo fixtures/quickstart
  gitfed render --repo . -o json | jq '.clusters.member1[].metadata.name'
  gitfed render --repo . --out rendered/

Objects a member would refuse (ObjectInvalid) are left out of that member's output.
Exit codes: 0 rendered without errors, 1 errors (printed on stderr as file:line:column), 2 usage errors.`,
    )
    .action(async (flags: RenderFlags) => {
      const model = await loadRepo(flags.repo);
      const result = withoutInvalid(await validateMembers(render(model, { instance: flags.instance }), model, flags));
      if (flags.out) await writeRenderedFiles(flags.out, result);
      else if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify(renderJson(result), null, 2)}\n`);
      else ctx.stdout.write(renderYaml(result));
      writeDiagnostics(ctx.stderr, result.diagnostics, flags.repo);
      if (result.diagnostics.some((d) => d.severity === 'error')) ctx.fail('problems');
    });
}

/** What a member would refuse is not what it must hold: objects held by ObjectInvalid (plan/held-objects.ts) leave the output. */
function withoutInvalid(result: RenderResult): RenderResult {
  if (!result.diagnostics.some((d) => d.code === 'ObjectInvalid')) return result;
  const held = heldObjects(result);
  const clusters: Record<string, KubeObject[]> = {};
  for (const [cluster, objects] of Object.entries(result.clusters)) {
    clusters[cluster] = objects.filter((object) => held.reason(cluster, { id: resourceId({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }), groupKind: '' }) !== 'ObjectInvalid');
  }
  return { ...result, clusters };
}

/** The documented `-o json` shape: every declared cluster is a key. */
export function renderJson(result: RenderResult) {
  return { revision: result.revision, clusters: result.clusters, ...splitDiagnostics(result.diagnostics), replicas: result.replicas };
}

export function renderYaml(result: RenderResult): string {
  const documents: string[] = [];
  for (const [cluster, objects] of Object.entries(result.clusters)) {
    for (const object of objects) documents.push(`# cluster: ${cluster}\n${stringify(object, { lineWidth: 0 })}`);
  }
  return documents.join('---\n');
}

/** `<out>/<cluster>/<stage>_<Kind>_<namespace>_<name>.yaml`, named so `kubectl apply -f` keeps apply order. */
async function writeRenderedFiles(outDir: string, result: RenderResult): Promise<void> {
  for (const [cluster, objects] of Object.entries(result.clusters)) {
    const dir = path.join(outDir, cluster);
    await mkdir(dir, { recursive: true });
    // Files from an earlier render would resurrect objects that left Git; only our own *.yaml files go.
    for (const stale of await readdir(dir)) {
      if (stale.endsWith('.yaml')) await rm(path.join(dir, stale));
    }
    for (const object of objects) await writeFile(path.join(dir, renderedFileName(object)), stringify(object, { lineWidth: 0 }));
  }
  if (Object.keys(result.clusters).length === 0) {
    throw new GitfedError('UsageError', `no KubeFedCluster is declared in the repository, so nothing was written to ${outDir}`);
  }
}

export function renderedFileName(object: KubeObject): string {
  const stage = applyStages.indexOf(stageOf(object.kind)) + 1;
  return [stage, object.kind, object.metadata.namespace, object.metadata.name].filter(Boolean).join('_') + '.yaml';
}
