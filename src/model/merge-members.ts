/**
 * The fleet gitfed places onto: the KubeFedCluster documents from Git merged with the clusters a Cluster API
 * management cluster provisions. Pure.
 *
 * Rules:
 * 1. A Cluster API cluster is a member named by its `metadata.name`. Two Clusters of one name in different
 *    namespaces are an error naming both (MemberNameCollision), and neither is used: guessing which one a
 *    name means would apply one cluster's workloads to another.
 * 2. A discovered cluster takes part in placement only in state Ready (model/capi-cluster.ts); Paused, Deleting
 *    and NotReady ones are listed as held back, with CAPI's reason, and get nothing applied (and nothing pruned).
 * 3. A name that Git declares too is one member: the Git document's labels and annotations, Cluster API's
 *    credentials and state; a warning (MemberLabelsFromGit) says so.
 * 4. A Cluster that is no longer there is simply no member any more: like KubeFed's unjoin, its workloads stay.
 * 5. Members are sorted by name; every member says where it came from (`git`, or `capi/<namespace>`).
 */
import type { CapiCluster, CapiState } from './capi-cluster.ts';
import { compareDiagnostics, error, warning, type Diagnostic } from './diagnostic.ts';
import type { Cluster, Model, Origin } from './types.ts';

/** Where a member was declared. */
export type MemberSourceName = 'git' | `capi/${string}`;

/** One member as the report, `gitfed clusters` and the logs show it. */
export interface MemberView {
  name: string;
  source: MemberSourceName;
  labels: Record<string, string>;
  /** Takes part in placement. */
  placed: boolean;
  /** Cluster API's view (absent for members only Git declares). */
  capi?: { namespace: string; state: CapiState; message: string };
}

export interface Fleet {
  /** The members placement uses (Cluster API clusters in state Ready, and Git's), sorted by name. */
  clusters: Cluster[];
  /** Every member seen, held-back ones included, sorted by name. */
  members: MemberView[];
  /** Collisions (errors, per cluster: they never block the rest) and Git-over-CAPI label warnings. */
  diagnostics: Diagnostic[];
}

export const memberSourceAnnotation = 'gitfed.io/member-source';

export function capiSource(namespace: string): MemberSourceName {
  return `capi/${namespace}`;
}

export function mergeMembers(git: readonly Cluster[], discovered: readonly CapiCluster[]): Fleet {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, CapiCluster[]>();
  for (const cluster of discovered) byName.set(cluster.name, [...(byName.get(cluster.name) ?? []), cluster]);
  const usable = new Map<string, CapiCluster>();
  for (const [name, same] of byName) {
    if (same.length === 1) {
      usable.set(name, same[0]!);
      continue;
    }
    const where = same.map((cluster) => `${cluster.namespace}/${name}`).sort();
    diagnostics.push(
      error('MemberNameCollision', `Cluster API clusters ${where.join(' and ')} have the same name; neither is used as member "${name}"`, { cluster: name }),
    );
  }

  const gitByName = new Map(git.map((cluster) => [cluster.name, cluster]));
  const clusters: Cluster[] = git.filter((cluster) => !usable.has(cluster.name));
  const members: MemberView[] = clusters.map((cluster) => ({ name: cluster.name, source: 'git', labels: cluster.labels, placed: true }));
  for (const [name, capi] of usable) {
    const source = capiSource(capi.namespace);
    const declared = gitByName.get(name);
    if (declared) {
      diagnostics.push(
        warning(
          'MemberLabelsFromGit',
          `member "${name}" is declared in Git and discovered from Cluster API (${capi.namespace}/${name}): the labels of the Git document are used`,
          { cluster: name, file: declared.origin.file, line: declared.origin.line },
        ),
      );
    }
    const labels = declared?.labels ?? capi.labels;
    const placed = capi.state === 'Ready';
    members.push({ name, source, labels, placed, capi: { namespace: capi.namespace, state: capi.state, message: capi.message } });
    if (!placed) continue;
    clusters.push(
      declared
        ? { ...declared, annotations: { ...declared.annotations, [memberSourceAnnotation]: source } }
        : { name, labels, annotations: { [memberSourceAnnotation]: source }, origin: discoveredOrigin(capi) },
    );
  }
  clusters.sort((a, b) => compareNames(a.name, b.name));
  members.sort((a, b) => compareNames(a.name, b.name));
  return { clusters, members, diagnostics };
}

/** The model with the fleet's members in place of Git's, and the fleet's diagnostics beside the loader's. */
export function withFleet(model: Model, fleet: Fleet): Model {
  return { ...model, clusters: fleet.clusters, diagnostics: [...model.diagnostics, ...fleet.diagnostics].sort(compareDiagnostics) };
}

/** A Git-only fleet, for when no member source is configured. */
export function gitFleet(git: readonly Cluster[]): Fleet {
  return mergeMembers(git, []);
}

/** Discovered members have no file: diagnostics about them point at `capi/<namespace>/<name>`. */
function discoveredOrigin(cluster: CapiCluster): Origin {
  const position = { file: `${capiSource(cluster.namespace)}/${cluster.name}`, line: 1, column: 1 };
  return { ...position, locate: () => position };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
