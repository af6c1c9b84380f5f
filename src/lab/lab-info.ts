/**
 * The lab's public description, `DIR/lab.json`: what the e2e tests, the benchmark and later the daemon read to find
 * the member clusters and the Git server. Written once every member is ready.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { GitfedError } from '../model/diagnostic.ts';
import { labPaths } from './lab-paths.ts';

export interface LabMember {
  /** member1 … memberN; also the kubeconfig context, cluster and user name. */
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  context: string;
}

export interface LabGit {
  /** Base URL; repository `<name>` is served at `<url>/<name>.git`. */
  url: string;
  username: string;
  password: string;
}

/**
 * full: every member runs kube-apiserver, kube-controller-manager, kube-scheduler and kwok with fake nodes, so
 * workloads really roll out. api: every member is only a kube-apiserver on the shared etcd — for scale runs where
 * objects need not roll out (no Pods, no EndpointSlices, no garbage collection, Namespaces never finish deleting).
 */
export type LabProfile = 'full' | 'api';
export const labProfiles: readonly LabProfile[] = ['full', 'api'];

export interface LabInfo {
  /** Absent in a lab.json written before profiles existed: those labs are `full`. */
  profile?: LabProfile;
  members: LabMember[];
  /** Absolute path of the kubeconfig with one context per member. */
  kubeconfig: string;
  git: LabGit;
  /** ISO time at which `up` finished. */
  startedAt: string;
}

/** The lab description, or undefined when the directory holds no lab (yet). */
export async function readLabInfo(dir: string): Promise<LabInfo | undefined> {
  const file = labPaths(dir).labJson;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as LabInfo;
  } catch (err) {
    throw new GitfedError('InternalError', `${file} is not valid JSON; run \`gitfed lab down --dir ${dir}\` and start the lab again`, {}, { cause: err });
  }
}

/** Written atomically and readable only by the owner: it holds the Git password. */
export async function writeLabInfo(dir: string, info: LabInfo): Promise<void> {
  const file = labPaths(dir).labJson;
  await writeFile(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export function profileOf(info: LabInfo): LabProfile {
  return info.profile ?? 'full';
}

/** `<base URL>/<name>.git`, the address of one lab repository. */
export function gitRepoUrl(git: LabGit, name: string): string {
  return `${git.url.replace(/\/$/, '')}/${name}.git`;
}
