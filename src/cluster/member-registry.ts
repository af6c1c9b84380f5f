/**
 * One ClusterClient per member, from a kubeconfig: `--kubeconfig FILE`, else the files KUBECONFIG lists (merged,
 * the first file that defines a name wins, as kubectl does), else ~/.kube/config. A member's context is the one
 * named exactly after the cluster. Nothing from the kubeconfig's contents ever reaches an error message or a log:
 * only file paths and context names.
 */
import { KubeConfig, type Cluster as KubeCluster, type Context as KubeContext, type User as KubeUser } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import type { ClusterClient } from './cluster-client.ts';
import { createClientNodeClusterClient, type ClientNodeClusterClientOptions } from './client-node-cluster-client.ts';

export interface KubeconfigSource {
  files: string[];
  /** Where the files came from, for messages. */
  from: '--kubeconfig' | 'KUBECONFIG' | 'default';
}

export interface MemberRegistryOptions {
  /** Member names; each needs a context of the same name. */
  clusters: readonly string[];
  /** `--kubeconfig FILE`; wins over KUBECONFIG. */
  kubeconfig?: string | undefined;
  /** Options every member client gets (field manager, timeouts, rate limit, retry). */
  client?: Omit<ClientNodeClusterClientOptions, 'cluster' | 'kubeConfig'>;
}

export interface MemberRegistryDeps {
  logger: Logger;
  /** For KUBECONFIG; process.env when absent. */
  env?: NodeJS.ProcessEnv;
  /** For ~/.kube/config; os.homedir() when absent. */
  homeDir?: string;
}

export interface MemberRegistry {
  /** Every member's client, in the order the clusters were given. */
  readonly clients: ReadonlyMap<string, ClusterClient>;
  /** The member's client; a GitfedError (UsageError) for a name the registry was not built with. */
  get(cluster: string): ClusterClient;
  /** Closes every client's connections. */
  close(): Promise<void>;
}

/** Which kubeconfig files to read, by kubectl's precedence. */
export function resolveKubeconfigSource(kubeconfig: string | undefined, env: NodeJS.ProcessEnv, homeDir: string): KubeconfigSource {
  if (kubeconfig) return { files: [kubeconfig], from: '--kubeconfig' };
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0) return { files: listed, from: 'KUBECONFIG' };
  return { files: [join(homeDir, '.kube', 'config')], from: 'default' };
}

/**
 * Reads and merges the files. A file that is missing or does not parse is a UsageError naming the file (and the
 * line, for YAML errors) but never quoting it: a kubeconfig holds keys and tokens.
 */
export async function loadKubeconfig(source: KubeconfigSource): Promise<KubeConfig> {
  const clusters: KubeCluster[] = [];
  const users: KubeUser[] = [];
  const contexts: KubeContext[] = [];
  let currentContext: string | undefined;
  for (const file of source.files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A missing file in a KUBECONFIG list is skipped, as kubectl does; a named or default one is an error.
      if (code === 'ENOENT' && source.from === 'KUBECONFIG' && source.files.length > 1) continue;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `could not be read (${code ?? 'error'})`;
      throw new GitfedError('UsageError', `kubeconfig ${file} (${describeSource(source)}) ${why}`);
    }
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (err) {
      throw new GitfedError('UsageError', `kubeconfig ${file} is not a valid kubeconfig: ${loadProblem(err)}`);
    }
    kc.makePathsAbsolute(dirname(file));
    addNew(clusters, kc.getClusters());
    addNew(users, kc.getUsers());
    addNew(contexts, kc.getContexts());
    currentContext ??= kc.getCurrentContext() || undefined;
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters, users, contexts, currentContext });
  return merged;
}

/** A KubeConfig of its own for one member, its context selected; a UsageError when the context is missing. */
export function kubeConfigForMember(kubeConfig: KubeConfig, cluster: string, source: KubeconfigSource): KubeConfig {
  const context = kubeConfig.getContextObject(cluster);
  if (!context) throw missingContexts([cluster], kubeConfig, source);
  if (!kubeConfig.getCluster(context.cluster)) {
    throw new GitfedError(
      'UsageError',
      `kubeconfig context "${cluster}" names cluster "${context.cluster}", which ${describeFiles(source)} does not define`,
      { cluster },
    );
  }
  if (context.user && !kubeConfig.getUser(context.user)) {
    throw new GitfedError(
      'UsageError',
      `kubeconfig context "${cluster}" names user "${context.user}", which ${describeFiles(source)} does not define`,
      { cluster },
    );
  }
  const own = new KubeConfig();
  own.loadFromOptions({
    clusters: kubeConfig.getClusters(),
    users: kubeConfig.getUsers(),
    contexts: kubeConfig.getContexts(),
    currentContext: cluster,
  });
  return own;
}

/** Builds one client per member. Every missing context is reported at once, in one UsageError. */
export async function createMemberRegistry(options: MemberRegistryOptions, deps: MemberRegistryDeps): Promise<MemberRegistry> {
  const source = resolveKubeconfigSource(options.kubeconfig, deps.env ?? process.env, deps.homeDir ?? homedir());
  const kubeConfig = await loadKubeconfig(source);
  const missing = options.clusters.filter((cluster) => !kubeConfig.getContextObject(cluster));
  if (missing.length > 0) throw missingContexts(missing, kubeConfig, source);

  const clients = new Map<string, ClusterClient>();
  for (const cluster of options.clusters) {
    if (clients.has(cluster)) continue;
    clients.set(
      cluster,
      createClientNodeClusterClient(
        { ...options.client, cluster, kubeConfig: kubeConfigForMember(kubeConfig, cluster, source) },
        { logger: deps.logger },
      ),
    );
  }
  deps.logger.debug({ files: source.files, from: source.from, members: [...clients.keys()] }, 'member clients ready');
  return {
    clients,
    get(cluster) {
      const client = clients.get(cluster);
      if (!client) throw new GitfedError('UsageError', `no client for cluster "${cluster}"`, { cluster });
      return client;
    },
    async close() {
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}

function missingContexts(missing: readonly string[], kubeConfig: KubeConfig, source: KubeconfigSource): GitfedError {
  const existing = kubeConfig.getContexts().map((c) => c.name).sort();
  const which = missing.length === 1 ? `cluster "${missing[0]}" has no context` : `clusters ${missing.map((m) => `"${m}"`).join(', ')} have no context`;
  const there = existing.length === 0 ? 'it defines no contexts' : `contexts there: ${existing.join(', ')}`;
  return new GitfedError(
    'UsageError',
    `${which} of the same name in ${describeFiles(source)}; ${there}`,
    missing.length === 1 ? { cluster: missing[0] } : {},
  );
}

function describeSource(source: KubeconfigSource): string {
  return source.from === 'default' ? 'the default location' : `from ${source.from}`;
}

function describeFiles(source: KubeconfigSource): string {
  const files = source.files.length === 1 ? `kubeconfig ${source.files[0]}` : `kubeconfig files ${source.files.join(', ')}`;
  return `${files} (${describeSource(source)})`;
}

function addNew<T extends { name: string }>(into: T[], from: readonly T[]): void {
  for (const item of from) if (!into.some((known) => known.name === item.name)) into.push(item);
}

/**
 * Why a kubeconfig did not load, without quoting it: js-yaml errors carry a snippet of the file (which may be a
 * key), so only their line is kept; client-node's own entry checks (`users[0].name is missing`) are safe as they are.
 */
export function loadProblem(err: unknown): string {
  const e = err as { name?: string; message?: string; mark?: { line?: number } } | null;
  if (e?.name === 'YAMLException') return typeof e.mark?.line === 'number' ? `YAML error at line ${e.mark.line + 1}` : 'YAML error';
  return e?.message && /^(clusters|users|contexts)\[\d+\]/.test(e.message) ? e.message : 'unexpected structure';
}
