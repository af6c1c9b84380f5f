/**
 * `gitfed federate`: KubeFed's `kubefedctl federate` (spec §8). Offline from a file (`-f FILE|-`), or from a live
 * object read through a kubeconfig context (`KIND NAME`), with `--contents` for a namespace and everything in it.
 * Prints the Federated YAML (or writes it with --out) for the user to commit; creates nothing anywhere.
 */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { createClientNodeClusterClient } from '../../cluster/client-node-cluster-client.ts';
import { ClusterRequestError } from '../../cluster/cluster-client.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource } from '../../cluster/member-registry.ts';
import { GitfedError, compareText, formatPosition, type Diagnostic } from '../../model/diagnostic.ts';
import { typeConfigName } from '../../model/default-type-configs.ts';
import { parseDocuments } from '../../model/parse-documents.ts';
import type { JsonObject, TypeConfig } from '../../model/types.ts';
import { isDns1123Subdomain, lookupResource, selectContentsResources, targetTypeOf } from '../../kubefedctl/api-resources.ts';
import { discoverPreferredResources } from '../../kubefedctl/discover-resources.ts';
import { federateDocuments, federateObject, formatFederatedYaml, typeConfigFor } from '../../kubefedctl/federate-object.ts';
import { writeRepoFile, readText } from '../../kubefedctl/repo-files.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';

interface FederateFlags {
  filename?: string;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  contents?: boolean;
  skipApiResources?: string;
  skipOwned?: boolean;
  repo?: string;
  out?: string;
}

export function registerFederate(program: Command, ctx: CliContext): void {
  program
    .command('federate')
    .description('print the Federated<Kind> KubeFed would make of a Kubernetes object (from a file, or live from a cluster)')
    .argument('[kind]', 'type of the live object: kind, plural, short name or plural.group (e.g. deploy, configmaps, ingresses.networking.k8s.io)')
    .argument('[name]', 'name of the live object')
    .option('-f, --filename <file>', 'federate the objects in this YAML file ("-" for stdin) instead of a live object; no cluster is contacted')
    .option('-n, --namespace <ns>', 'namespace of the live object (default: the context\'s, else "default"); with -f, the namespace for namespaced objects that have none')
    .option('--context <name>', 'kubeconfig context to read the live object from (default: the current context)')
    .option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config)')
    .option('-c, --contents', 'with a Namespace: also federate every namespaced object in it (KubeFed\'s skip rules apply)')
    .option('-s, --skip-api-resources <names>', 'with --contents: comma-separated resources (kind, plural, short name, plural.group) or groups to leave out')
    .option('--skip-owned', 'with --contents: also leave out objects a controller owns (Pods of a ReplicaSet, ReplicaSets of a Deployment, EndpointSlices …), which KubeFed federated too')
    .option('--repo <dir>', 'use this repository\'s FederatedTypeConfigs for the federated kind and group (default: KubeFed\'s defaults)')
    .option('--out <file>', 'write the YAML to this file instead of printing it')
    .addHelpText(
      'after',
      `
The federated object has the same name (and namespace; a FederatedNamespace lives in the namespace it federates);
spec.template is the object without apiVersion, kind, status and every metadata field but labels (annotations are
dropped with a warning, as KubeFed did); a Namespace loses spec.finalizers, a ServiceAccount its secrets, a Service
its clusterIP, clusterIPs and nodePorts; spec.placement selects every cluster (clusterSelector: {matchLabels: {}}).
Output is KubeFed's: "---" before each object, keys sorted.

Examples:
  gitfed federate -f deployment.yaml > federated/deployment.yaml
  kubectl get configmap settings -n shop -o yaml | gitfed federate -f -
  gitfed federate -f manifests.yaml -n shop --out federated/shop.yaml
  gitfed federate deploy web -n shop --context member1
  gitfed federate namespace shop --contents --skip-owned --skip-api-resources secrets,apps --context member1

Exit codes: 0 done, 1 some object could not be federated (the others are printed), 2 usage errors.`,
    )
    .action(async (kind: string | undefined, name: string | undefined, flags: FederateFlags) => {
      const repoTypes = flags.repo ? (await loadRepo(flags.repo)).typeConfigs.filter((type) => type.origin) : [];
      let objects: JsonObject[];
      let diagnostics: Diagnostic[];
      if (flags.filename !== undefined) {
        if (kind !== undefined || flags.context || flags.contents) {
          throw new GitfedError('UsageError', '--filename takes no KIND NAME, --context or --contents');
        }
        ({ objects, diagnostics } = await federateFile(flags.filename, flags.namespace, repoTypes));
      } else {
        if (!kind || !name) throw new GitfedError('UsageError', 'give KIND NAME of a live object, or --filename FILE');
        try {
          ({ objects, diagnostics } = await federateLive(ctx, kind, name, flags, repoTypes));
        } catch (err) {
          if (!(err instanceof ClusterRequestError)) throw err;
          ctx.stderr.write(`error ${err.reason} ${err.message}\n`);
          ctx.fail('problems');
          return;
        }
      }
      const hinted = new Set<string>();
      for (const diagnostic of diagnostics) {
        // One "add its FederatedTypeConfig" hint per type is enough.
        if (diagnostic.code === 'UnknownTargetType') {
          if (hinted.has(diagnostic.message)) continue;
          hinted.add(diagnostic.message);
        }
        ctx.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
      }
      const yaml = formatFederatedYaml(objects);
      if (flags.out) {
        await writeRepoFile(flags.out, yaml);
        ctx.stderr.write(`wrote ${objects.length} federated object(s) to ${flags.out}\n`);
      } else {
        ctx.stdout.write(yaml);
      }
      if (diagnostics.some((d) => d.severity === 'error')) ctx.fail('problems');
    });
}

async function federateFile(file: string, namespace: string | undefined, repoTypes: readonly TypeConfig[]) {
  const text = file === '-' ? await readStdin() : await readText(file);
  if (text === undefined) throw new GitfedError('UsageError', `${file} does not exist`);
  const label = file === '-' ? '<stdin>' : file;
  const parsed = parseDocuments(label, text);
  const result = federateDocuments(
    parsed.documents.map((document) => ({ value: document.value, where: { file: label, line: document.origin.line, column: document.origin.column } })),
    { namespace, repoTypes },
  );
  return { objects: result.objects, diagnostics: [...parsed.diagnostics, ...result.diagnostics] };
}

async function federateLive(ctx: CliContext, kind: string, name: string, flags: FederateFlags, repoTypes: readonly TypeConfig[]) {
  const source = resolveKubeconfigSource(flags.kubeconfig, process.env, homedir());
  const kubeConfig = await loadKubeconfig(source);
  const contextName = flags.context ?? kubeConfig.getCurrentContext();
  if (!contextName) throw new GitfedError('UsageError', 'the kubeconfig has no current context; pass --context');
  const own = kubeConfigForMember(kubeConfig, contextName, source);
  const namespace = flags.namespace ?? own.getContextObject(contextName)?.namespace ?? 'default';
  const resources = await discoverPreferredResources(own, contextName);
  const resource = lookupResource(resources, kind);
  if (!resource) throw new GitfedError('UsageError', `${contextName} serves no resource named "${kind}"`);
  if (flags.contents && !(resource.group === '' && resource.kind === 'Namespace')) {
    throw new GitfedError('UsageError', '--contents can only be used with type namespaces');
  }
  const client = createClientNodeClusterClient({ cluster: contextName, kubeConfig: own }, { logger: ctx.logger });
  const objects: JsonObject[] = [];
  const diagnostics: Diagnostic[] = [];
  try {
    const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    const live = await client.get({ apiVersion, kind: resource.kind, namespace: resource.namespaced ? namespace : undefined, name });
    if (!live) {
      const where = resource.namespaced ? ` in namespace ${namespace}` : '';
      throw new GitfedError('UsageError', `${resource.kind} "${name}"${where} not found in ${contextName}`);
    }
    const result = federateObject(live as unknown as JsonObject, typeConfigFor(targetTypeOf(resource), repoTypes), { repoTypes });
    diagnostics.push(...result.diagnostics);
    if (result.federated) objects.push(result.federated);
    if (flags.contents) {
      const skip = (flags.skipApiResources ?? '').split(',').map((entry) => entry.trim());
      const selection = selectContentsResources(resources, skip);
      for (const contained of selection.resources) {
        const containedVersion = contained.group ? `${contained.group}/${contained.version}` : contained.version;
        const items = await client.list(containedVersion, contained.kind, { namespace: name });
        const type = typeConfigFor(targetTypeOf(contained), repoTypes);
        for (const item of items.sort((a, b) => compareText(a.metadata.name, b.metadata.name))) {
          if (flags.skipOwned && isControlled(item)) continue;
          if (!isDns1123Subdomain(item.metadata.name)) {
            ctx.stderr.write(`warning skipped ${typeConfigName(contained.pluralName, contained.group)} "${item.metadata.name}": the name is not a DNS-1123 subdomain\n`);
            continue;
          }
          const containedResult = federateObject(item as unknown as JsonObject, type, { repoTypes });
          diagnostics.push(...containedResult.diagnostics);
          if (containedResult.federated) objects.push(containedResult.federated);
        }
      }
    }
  } finally {
    await client.close();
  }
  return { objects, diagnostics };
}

function isControlled(object: { metadata: Record<string, unknown> }): boolean {
  const owners = object.metadata.ownerReferences;
  return Array.isArray(owners) && owners.some((owner) => (owner as { controller?: unknown }).controller === true);
}

function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = formatPosition(diagnostic);
  return `${where ? `${where} ` : ''}${diagnostic.severity} ${diagnostic.code} ${diagnostic.resource ? `${diagnostic.resource}: ` : ''}${diagnostic.message}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
