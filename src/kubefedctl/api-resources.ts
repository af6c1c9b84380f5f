/**
 * What API discovery says a member serves, and the choices `federate` makes on it (pure): which resource a name
 * means, and which resources `federate --contents` lists in a namespace (KubeFed `federate/util.go`
 * namespacedAPIResourceMap and `federate.go` controllerCreatedAPIResourceNames).
 */
import { FEDERATED_GROUP, typeConfigName } from '../model/default-type-configs.ts';
import type { TargetType } from '../model/types.ts';
import { nameMatchesResource, pickResource, type NamedResource } from './target-types.ts';

/** One resource of a preferred group version (subresources left out). */
export interface ApiResource extends NamedResource {
  version: string;
  namespaced: boolean;
  singularName: string;
  shortNames: readonly string[];
  verbs: readonly string[];
}

/** Resources controllers create, never federated with a namespace's contents (KubeFed's list, typo included). */
export const CONTROLLER_CREATED_RESOURCES: readonly string[] = Object.freeze([
  'endpoints',
  'events',
  'events.events.k8s.io',
  'propagatedversions.core.kubefed.k8s.io',
]);

/** The resource `name` means; a UsageError when several match (give `plural.group`). */
export function lookupResource(resources: readonly ApiResource[], name: string): ApiResource | undefined {
  return pickResource(name, resources);
}

export function targetTypeOf(resource: ApiResource): TargetType {
  return {
    group: resource.group,
    version: resource.version,
    kind: resource.kind,
    pluralName: resource.pluralName,
    scope: resource.namespaced ? 'Namespaced' : 'Cluster',
  };
}

export interface ContentsSelection {
  resources: ApiResource[];
  /** `plural.group` of what was left out, with the reason. */
  skipped: { resource: string; reason: string }[];
}

/**
 * The namespaced resources whose objects `federate --contents` federates: not in group `extensions` (an outdated
 * copy of apps and networking), not a federated type, not created by controllers, not skipped by the user
 * (`--skip-api-resources`: a name as for `federate`, or a whole group), and listable (gitfed: KubeFed tried to
 * list everything). Sorted by `plural.group`.
 */
export function selectContentsResources(resources: readonly ApiResource[], skip: readonly string[] = []): ContentsSelection {
  const selected: ApiResource[] = [];
  const skipped: { resource: string; reason: string }[] = [];
  const userSkips = skip.filter((name) => name !== '');
  for (const resource of resources) {
    if (!resource.namespaced) continue;
    const qualified = typeConfigName(resource.pluralName, resource.group);
    const reason =
      resource.group === 'extensions'
        ? 'group extensions is an outdated copy of other groups'
        : resource.kind.startsWith('Federated') && resource.group === FEDERATED_GROUP
          ? 'a federated type'
          : CONTROLLER_CREATED_RESOURCES.some((name) => nameMatchesResource(name, resource))
            ? 'created by controllers'
            : userSkips.includes(resource.group) && resource.group !== ''
              ? `group ${resource.group} skipped by --skip-api-resources`
              : userSkips.some((name) => nameMatchesResource(name, resource))
                ? 'skipped by --skip-api-resources'
                : !resource.verbs.includes('list')
                  ? 'cannot be listed'
                  : undefined;
    if (reason) skipped.push({ resource: qualified, reason });
    else selected.push(resource);
  }
  const byName = (a: { resource: string } | ApiResource, b: { resource: string } | ApiResource) => {
    const x = 'resource' in a ? a.resource : typeConfigName(a.pluralName, a.group);
    const y = 'resource' in b ? b.resource : typeConfigName(b.pluralName, b.group);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return { resources: selected.sort(byName), skipped: skipped.sort(byName) };
}

/** KubeFed's IsDNS1123Subdomain, which `federate --contents` applies to object names. */
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}
