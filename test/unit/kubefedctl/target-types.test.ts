import { describe, expect, it } from 'vitest';
import { selectContentsResources, type ApiResource } from '../../../src/kubefedctl/api-resources.ts';
import { findKnownTargetType, pickResource } from '../../../src/kubefedctl/target-types.ts';

function resource(group: string, kind: string, plural: string, extra: Partial<ApiResource> = {}): ApiResource {
  return { group, version: 'v1', kind, pluralName: plural, singularName: kind.toLowerCase(), namespaced: true, shortNames: [], verbs: ['get', 'list', 'create'], ...extra };
}

describe('type names (KubeFed NameMatchesResource)', () => {
  it('resolves a kind, plural, singular, short name or plural.group, case-insensitively', () => {
    for (const name of ['Deployment', 'deployment', 'deployments', 'deploy', 'deployments.apps', 'DEPLOYMENTS.APPS']) {
      expect(findKnownTargetType(name)?.kind).toBe('Deployment');
    }
    expect(findKnownTargetType('hpa')).toMatchObject({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' });
    expect(findKnownTargetType('netpol')?.pluralName).toBe('networkpolicies');
    expect(findKnownTargetType('crd')?.scope).toBe('Cluster');
    expect(findKnownTargetType('gizmo')).toBeUndefined();
  });

  it('prefers the core group, and asks for plural.group when several other groups match', () => {
    const resources = [resource('', 'Event', 'events'), resource('events.k8s.io', 'Event', 'events'), resource('a.example', 'Widget', 'widgets'), resource('b.example', 'Widget', 'widgets')];
    expect(pickResource('events', resources)?.group).toBe('');
    expect(pickResource('events.events.k8s.io', resources)?.group).toBe('events.k8s.io');
    expect(() => pickResource('widget', resources)).toThrow('"widget" matches several resources: widgets.a.example, widgets.b.example; give the group-qualified plural');
  });
});

describe('federate --contents: which resources (KubeFed skip rules)', () => {
  const resources = [
    resource('', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
    resource('', 'Endpoints', 'endpoints'),
    resource('', 'Event', 'events'),
    resource('events.k8s.io', 'Event', 'events'),
    resource('extensions', 'Ingress', 'ingresses'),
    resource('networking.k8s.io', 'Ingress', 'ingresses'),
    resource('types.kubefed.io', 'FederatedConfigMap', 'federatedconfigmaps'),
    resource('core.kubefed.k8s.io', 'PropagatedVersion', 'propagatedversions'),
    resource('apps', 'Deployment', 'deployments', { shortNames: ['deploy'] }),
    resource('apps', 'StatefulSet', 'statefulsets'),
    resource('', 'Secret', 'secrets'),
    resource('', 'Binding', 'bindings', { verbs: ['create'] }),
    resource('', 'Namespace', 'namespaces', { namespaced: false }),
  ];

  it('skips extensions, federated types, controller-made resources and what cannot be listed', () => {
    const { resources: selected, skipped } = selectContentsResources(resources);
    expect(selected.map((r) => `${r.pluralName}.${r.group}`)).toEqual(['configmaps.', 'deployments.apps', 'ingresses.networking.k8s.io', 'secrets.', 'statefulsets.apps']);
    expect(skipped).toEqual([
      { resource: 'bindings', reason: 'cannot be listed' },
      { resource: 'endpoints', reason: 'created by controllers' },
      { resource: 'events', reason: 'created by controllers' },
      { resource: 'events.events.k8s.io', reason: 'created by controllers' },
      { resource: 'federatedconfigmaps.types.kubefed.io', reason: 'a federated type' },
      { resource: 'ingresses.extensions', reason: 'group extensions is an outdated copy of other groups' },
      { resource: 'propagatedversions.core.kubefed.k8s.io', reason: 'created by controllers' },
    ]);
  });

  it('skips what --skip-api-resources names: a kind, short name, plural.group or a whole group', () => {
    const { resources: selected } = selectContentsResources(resources, ['cm', 'Secret', 'apps', '']);
    expect(selected.map((r) => r.pluralName)).toEqual(['ingresses']);
  });
});
