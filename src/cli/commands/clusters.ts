/** `gitfed clusters`: the members gitfed sees (Git's KubeFedClusters, plus Cluster API's with --members-from capi). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { KUBEFED_NAMESPACE } from '../../kubefedctl/join-plan.ts';
import { gitFleet, type Fleet } from '../../model/merge-members.ts';
import type { Cluster, JsonObject } from '../../model/types.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { writeDiagnostics } from '../format-diagnostics.ts';
import { addMemberSourceOptions, discoverMembers, fleetModel, heldBackLines, type MemberSourceFlags } from '../member-source.ts';

interface ClustersFlags extends MemberSourceFlags {
  repo: string;
  output: 'text' | 'yaml';
  write?: string;
}

export function registerClusters(program: Command, ctx: CliContext): void {
  const command = program
    .command('clusters')
    .description('list the members gitfed places onto: KubeFedClusters from Git, plus Cluster API clusters with --members-from capi')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .option('--kubeconfig <file>', 'kubeconfig holding the management context (default: KUBECONFIG, ~/.kube/config)');
  addMemberSourceOptions(command)
    .addOption(new Option('-o, --output <format>', 'text: a table of every member; yaml: the members placement uses, as KubeFedCluster documents').choices(['text', 'yaml']).default('text'))
    .option('--write <dir>', 'write the members placement uses as one KubeFedCluster file each (<dir>/<name>.yaml) instead of printing them')
    .addHelpText(
      'after',
      `
Examples:
  gitfed clusters --members-from capi --management-context mgmt
  gitfed clusters --members-from capi --management-context mgmt -o yaml > fleet.yaml
  gitfed clusters --members-from capi --management-context mgmt --write clusters/   # then an offline \`gitfed plan\` sees the same fleet

No credentials are printed or written: a KubeFedCluster carries a name, labels and annotations only.
Exit codes: 0 success, 1 a member could not be used (a name collision across namespaces), 2 usage errors.`,
    )
    .action(async (flags: ClustersFlags) => {
      const loaded = await loadRepo(flags.repo);
      const { model, fleet = gitFleet(loaded.clusters) } = fleetModel(loaded, await discoverMembers(flags, { logger: ctx.logger }));
      writeDiagnostics(ctx.stderr, [...model.diagnostics.filter((d) => d.code.startsWith('Member'))], flags.repo);
      ctx.stderr.write(heldBackLines(fleet));
      const documents = model.clusters.map(memberDocument);
      if (flags.write) {
        await mkdir(flags.write, { recursive: true });
        for (const document of documents) {
          const file = path.join(flags.write, `${(document.metadata as JsonObject).name as string}.yaml`);
          await writeFile(file, documentText([document]));
          ctx.stdout.write(`wrote ${file}\n`);
        }
      } else {
        ctx.stdout.write(flags.output === 'yaml' ? documentText(documents) : formatMembers(fleet));
      }
      if (fleet.diagnostics.some((d) => d.severity === 'error')) ctx.fail('problems');
    });
}

/** A member as the KubeFedCluster document the loader reads back: name, labels, annotations (source included). */
function memberDocument(cluster: Cluster): JsonObject {
  const annotations = cluster.annotations ?? {};
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: {
      name: cluster.name,
      namespace: KUBEFED_NAMESPACE,
      ...(Object.keys(cluster.labels).length > 0 ? { labels: sortedRecord(cluster.labels) } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations: sortedRecord(annotations) } : {}),
    },
    ...(cluster.apiEndpoint ? { spec: { apiEndpoint: cluster.apiEndpoint } } : {}),
  };
}

function documentText(documents: readonly JsonObject[]): string {
  return documents.map((document) => `---\n${stringify(document, { lineWidth: 0 })}`).join('');
}

function formatMembers(fleet: Fleet): string {
  const rows = fleet.members.map((member) => [
    member.name,
    member.source,
    member.capi ? member.capi.state : '-',
    member.placed ? 'yes' : 'no',
    Object.entries(member.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => `${key}=${value}`).join(',') || '-',
  ]);
  const table = [['NAME', 'SOURCE', 'CAPI', 'PLACED', 'LABELS'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
