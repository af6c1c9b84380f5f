/**
 * `--live`: a JSON GET against each member with its kubeconfig context (the one named after the cluster), used
 * to read the schemas the member publishes (`/openapi/v3`). Every request has a deadline.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { request, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { GitfedError } from '../model/diagnostic.ts';
import type { JsonObject } from '../model/types.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource } from './member-registry.ts';

export type MemberGetJson = (path: string) => Promise<JsonObject>;

export async function memberGetters(clusters: readonly string[], kubeconfig: string | undefined, timeoutMs = 30_000): Promise<Map<string, MemberGetJson>> {
  const source = resolveKubeconfigSource(kubeconfig, process.env, homedir());
  const loaded = await loadKubeconfig(source);
  const getters = new Map<string, MemberGetJson>();
  for (const cluster of clusters) getters.set(cluster, getterFor(kubeConfigForMember(loaded, cluster, source), cluster, timeoutMs));
  return getters;
}

function getterFor(kubeConfig: KubeConfig, cluster: string, timeoutMs: number): MemberGetJson {
  const server = kubeConfig.getCurrentCluster()?.server;
  return async (path) => {
    if (!server) throw new GitfedError('ClusterRequestFailed', `member ${cluster}: its kubeconfig context names no server`, { cluster });
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), agent: false };
    await kubeConfig.applyToHTTPSOptions(options);
    const url = new URL(path, server);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new GitfedError('ClusterRequestFailed', `member ${cluster}: GET ${path} answered HTTP ${res.statusCode}`, { cluster }));
        });
      });
      req.on('error', (err) => reject(new GitfedError('ClusterRequestFailed', `member ${cluster}: GET ${path} failed: ${err.message}`, { cluster }, { cause: err })));
      req.end();
    });
    return JSON.parse(body) as JsonObject;
  };
}
