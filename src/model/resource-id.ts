/** Resource ids for people: `Kind/namespace/name`, or `Kind/name` when cluster-scoped (spec: STYLE naming). */

export interface ResourceRef {
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export function resourceId(ref: ResourceRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** `cluster:Kind/namespace/name` when a cluster qualifies the id. */
export function clusterResourceId(cluster: string, ref: ResourceRef): string {
  return `${cluster}:${resourceId(ref)}`;
}
