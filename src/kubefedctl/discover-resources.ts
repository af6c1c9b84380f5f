/**
 * API discovery of one cluster (effect): every resource of each group's preferred version, as client-go's
 * ServerPreferredResources returns them, for `federate` (which name means which resource; what `--contents`
 * lists). The ClusterClient discovers one group version at a time and does not list groups, hence this.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { ClusterRequestError } from '../cluster/cluster-client.ts';
import type { ApiResource } from './api-resources.ts';

interface ApiResourceListBody {
  resources?: { name: string; singularName?: string; kind: string; namespaced: boolean; shortNames?: string[]; verbs?: string[] }[];
}

interface ApiGroupListBody {
  groups?: { name: string; preferredVersion?: { version: string }; versions?: { version: string }[] }[];
}

export async function discoverPreferredResources(kubeConfig: KubeConfig, cluster: string, timeoutMs = 30_000): Promise<ApiResource[]> {
  const get = <T>(path: string) => kubeGet<T>(kubeConfig, cluster, path, timeoutMs);
  const [core, groups] = await Promise.all([get<{ versions?: string[] }>('/api'), get<ApiGroupListBody>('/apis')]);
  const groupVersions: { group: string; version: string }[] = (core.versions ?? []).slice(0, 1).map((version) => ({ group: '', version }));
  for (const group of groups.groups ?? []) {
    const version = group.preferredVersion?.version ?? group.versions?.[0]?.version;
    if (version) groupVersions.push({ group: group.name, version });
  }
  const lists = await Promise.all(
    groupVersions.map(async ({ group, version }) => {
      const body = await get<ApiResourceListBody>(group ? `/apis/${group}/${version}` : `/api/${version}`).catch((err: unknown) => {
        // An aggregated API that is down must not hide the others (client-go returns the partial result too).
        if (err instanceof ClusterRequestError && err.status !== null && err.status >= 500) return {} as ApiResourceListBody;
        throw err;
      });
      return (body.resources ?? [])
        .filter((resource) => !resource.name.includes('/'))
        .map((resource): ApiResource => ({
          group,
          version,
          kind: resource.kind,
          pluralName: resource.name,
          singularName: resource.singularName || resource.kind.toLowerCase(),
          namespaced: resource.namespaced,
          shortNames: resource.shortNames ?? [],
          verbs: resource.verbs ?? [],
        }));
    }),
  );
  return lists.flat();
}

/** GET `path` as JSON with the kubeconfig's current context; errors carry the status (never the body of a Secret). */
export async function kubeGet<T>(kubeConfig: KubeConfig, cluster: string, path: string, timeoutMs: number): Promise<T> {
  const server = kubeConfig.getCurrentCluster()?.server?.replace(/\/+$/, '');
  if (!server) throw new ClusterRequestError(cluster, null, 'NoServer', `the kubeconfig context for ${cluster} names no cluster server`);
  const context = new RequestContext(`${server}${path}`, HttpMethod.GET);
  context.setHeaderParam('Accept', 'application/json');
  await kubeConfig.applySecurityAuthentication(context);
  context.setSignal(AbortSignal.timeout(timeoutMs));
  let status: number;
  let text: string;
  try {
    const response = await new IsomorphicFetchHttpLibrary().send(context).toPromise();
    status = response.httpStatusCode;
    text = await response.body.text();
  } catch (err) {
    throw new ClusterRequestError(cluster, null, 'Unreachable', `${cluster} did not answer GET ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (status < 200 || status >= 300) {
    let message = `HTTP ${status}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not a Status body
    }
    throw new ClusterRequestError(cluster, status, status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : 'Unknown', `GET ${path} on ${cluster}: ${message}`);
  }
  return JSON.parse(text) as T;
}
