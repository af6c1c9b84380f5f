/**
 * Where everything of one lab lives under its directory, in one place, so `up`, `down`, `status`, the Git server
 * and the tests agree on the layout without passing a dozen paths around.
 */
import { resolve, join } from 'node:path';

export interface LabPaths {
  dir: string;
  /** The lab description the tests and the daemon read (members, kubeconfig, Git server). */
  labJson: string;
  /** One context per member, certificates embedded. */
  kubeconfig: string;
  /** One JSON record per started process (pid, process group, command): what `down` stops. */
  state: string;
  logs: string;
  pki: string;
  etcdData: string;
  members: string;
  /** Bare repositories served by the lab Git server at `<base URL>/<name>.git`. */
  git: string;
  lock: string;
}

export function labPaths(dir: string): LabPaths {
  const root = resolve(dir);
  return {
    dir: root,
    labJson: join(root, 'lab.json'),
    kubeconfig: join(root, 'kubeconfig'),
    state: join(root, 'state'),
    logs: join(root, 'logs'),
    pki: join(root, 'pki'),
    etcdData: join(root, 'etcd'),
    members: join(root, 'members'),
    git: join(root, 'git'),
    lock: join(root, 'lab.lock'),
  };
}
