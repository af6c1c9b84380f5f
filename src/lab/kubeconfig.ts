/**
 * Kubeconfigs for the lab: `DIR/kubeconfig` with one context per member (context = cluster = user name, e.g.
 * member1) and the certificates embedded as data, so the file works when copied elsewhere; plus the one-member
 * files the member's controller-manager, scheduler and kwok read.
 */
import { writeFile, rename } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { KubeCredentials } from './kube-request.ts';

export interface KubeconfigCluster {
  name: string;
  server: string;
}

export function renderKubeconfig(clusters: KubeconfigCluster[], credentials: KubeCredentials): string {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': clusters[0]?.name ?? '',
    clusters: clusters.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'certificate-authority-data': b64(credentials.ca) },
    })),
    users: clusters.map((c) => ({
      name: c.name,
      user: { 'client-certificate-data': b64(credentials.cert), 'client-key-data': b64(credentials.key) },
    })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
  });
}

/** Written atomically, owner-only: it carries the admin key. */
export async function writeKubeconfig(file: string, clusters: KubeconfigCluster[], credentials: KubeCredentials): Promise<void> {
  await writeFile(`${file}.tmp`, renderKubeconfig(clusters, credentials), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
