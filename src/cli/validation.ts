/**
 * `--kube-version` / `--live` for the commands that validate what members receive (validate, render, plan):
 * the schemas are read here (the shipped bundle, or each member's /openapi/v3), validation itself is pure
 * (src/validate/).
 */
import type { Command } from 'commander';
import { memberGetters } from '../cluster/member-openapi.ts';
import { compareDiagnostics, error, type Diagnostic } from '../model/diagnostic.ts';
import type { Model } from '../model/types.ts';
import type { RenderResult } from '../render/render.ts';
import { defaultKubeVersion, shippedSchemas } from '../source/schema-bundles.ts';
import { readServerSchemas } from '../validate/read-openapi.ts';
import { schemasOf, validateRender, type Schemas } from '../validate/validate-render.ts';

export interface ValidationFlags {
  kubeVersion: string;
  live?: boolean;
  kubeconfig?: string;
}

export function addKubeVersionOption(command: Command): Command {
  return command.option(
    '--kube-version <minor>',
    'Kubernetes minor release whose schemas the member objects are validated against (schemas shipped with gitfed)',
    defaultKubeVersion,
  );
}

/** The render result with what validation found among its diagnostics. */
export async function validateMembers(rendered: RenderResult, model: Model, flags: ValidationFlags): Promise<RenderResult> {
  const found = flags.live ? await validateLive(rendered, model, flags) : validateRender(rendered, model, await shippedSchemas(flags.kubeVersion));
  if (found.length === 0) return rendered;
  return { ...rendered, diagnostics: [...rendered.diagnostics, ...found].sort(compareDiagnostics) };
}

/** Each member against the schemas it publishes; members that publish the same schemas share diagnostics. */
async function validateLive(rendered: RenderResult, model: Model, flags: ValidationFlags): Promise<Diagnostic[]> {
  const clusters = Object.keys(rendered.clusters);
  const getters = await memberGetters(clusters, flags.kubeconfig);
  const groups = new Map<string, { schemas: Schemas; clusters: string[] }>();
  const diagnostics: Diagnostic[] = [];
  for (const cluster of clusters) {
    try {
      const bundle = await readServerSchemas(getters.get(cluster)!);
      const key = JSON.stringify(bundle);
      const group = groups.get(key) ?? { schemas: schemasOf(bundle, `${cluster}'s /openapi/v3 (Kubernetes ${bundle.kubeVersion})`, `live-${groups.size}`), clusters: [] };
      group.clusters.push(cluster);
      groups.set(key, group);
    } catch (err) {
      diagnostics.push(error('ClusterRequestFailed', `--live: could not read the schemas member ${cluster} publishes: ${err instanceof Error ? err.message : String(err)}`, { cluster }));
    }
  }
  for (const { schemas, clusters: members } of groups.values()) {
    const subset = { ...rendered, clusters: Object.fromEntries(members.map((name) => [name, rendered.clusters[name] ?? []])) };
    diagnostics.push(...validateRender(subset, model, schemas));
  }
  return diagnostics;
}
