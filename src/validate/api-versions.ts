/**
 * API versions Kubernetes removed or deprecated, from its Deprecated API Migration Guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/). A removed version is an error naming the
 * release that removed it and what replaces it; a deprecated version that the target release still serves is a
 * warning. Versions missing here and missing from the schemas fall back to "not served" (validate-objects.ts).
 */

export interface ApiChange {
  /** Minor release: removed in (`removed`) or deprecated since (`deprecated`). */
  release: number;
  /** What to write instead, e.g. `networking.k8s.io/v1 Ingress`. */
  replacement: string;
  /** Fields that moved, for a hint when the old shape is written under the new version. */
  note?: string;
}

const ingressNote =
  'networking.k8s.io/v1 Ingress backends are `service: {name, port: {number | name}}` (not serviceName/servicePort) and every path needs pathType';

/** `apiVersion/Kind` → when it was removed and what replaces it. */
const REMOVED: ReadonlyMap<string, ApiChange> = new Map(
  (
    [
      ...['DaemonSet', 'Deployment', 'ReplicaSet'].flatMap((kind) =>
        ['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'].map((gv) => [`${gv}/${kind}`, 16, `apps/v1 ${kind}`]),
      ),
      ['apps/v1beta1/StatefulSet', 16, 'apps/v1 StatefulSet'],
      ['apps/v1beta2/StatefulSet', 16, 'apps/v1 StatefulSet'],
      ['extensions/v1beta1/NetworkPolicy', 16, 'networking.k8s.io/v1 NetworkPolicy'],
      ['extensions/v1beta1/PodSecurityPolicy', 16, 'policy/v1beta1 PodSecurityPolicy (itself removed in 1.25: Pod Security Admission)'],
      ['admissionregistration.k8s.io/v1beta1/MutatingWebhookConfiguration', 22, 'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration'],
      ['admissionregistration.k8s.io/v1beta1/ValidatingWebhookConfiguration', 22, 'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration'],
      ['apiextensions.k8s.io/v1beta1/CustomResourceDefinition', 22, 'apiextensions.k8s.io/v1 CustomResourceDefinition'],
      ['apiregistration.k8s.io/v1beta1/APIService', 22, 'apiregistration.k8s.io/v1 APIService'],
      ['certificates.k8s.io/v1beta1/CertificateSigningRequest', 22, 'certificates.k8s.io/v1 CertificateSigningRequest'],
      ['coordination.k8s.io/v1beta1/Lease', 22, 'coordination.k8s.io/v1 Lease'],
      ['extensions/v1beta1/Ingress', 22, 'networking.k8s.io/v1 Ingress'],
      ['networking.k8s.io/v1beta1/Ingress', 22, 'networking.k8s.io/v1 Ingress'],
      ['networking.k8s.io/v1beta1/IngressClass', 22, 'networking.k8s.io/v1 IngressClass'],
      ...['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].map((kind) => [`rbac.authorization.k8s.io/v1beta1/${kind}`, 22, `rbac.authorization.k8s.io/v1 ${kind}`]),
      ['scheduling.k8s.io/v1beta1/PriorityClass', 22, 'scheduling.k8s.io/v1 PriorityClass'],
      ...['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'].map((kind) => [`storage.k8s.io/v1beta1/${kind}`, 22, `storage.k8s.io/v1 ${kind}`]),
      ['batch/v1beta1/CronJob', 25, 'batch/v1 CronJob'],
      ['discovery.k8s.io/v1beta1/EndpointSlice', 25, 'discovery.k8s.io/v1 EndpointSlice'],
      ['events.k8s.io/v1beta1/Event', 25, 'events.k8s.io/v1 Event'],
      ['autoscaling/v2beta1/HorizontalPodAutoscaler', 25, 'autoscaling/v2 HorizontalPodAutoscaler'],
      ['policy/v1beta1/PodDisruptionBudget', 25, 'policy/v1 PodDisruptionBudget'],
      ['policy/v1beta1/PodSecurityPolicy', 25, 'nothing: PodSecurityPolicy is gone; use Pod Security Admission'],
      ['node.k8s.io/v1beta1/RuntimeClass', 25, 'node.k8s.io/v1 RuntimeClass'],
      ['autoscaling/v2beta2/HorizontalPodAutoscaler', 26, 'autoscaling/v2 HorizontalPodAutoscaler'],
      ['flowcontrol.apiserver.k8s.io/v1beta1/FlowSchema', 26, 'flowcontrol.apiserver.k8s.io/v1 FlowSchema'],
      ['flowcontrol.apiserver.k8s.io/v1beta1/PriorityLevelConfiguration', 26, 'flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration'],
      ['storage.k8s.io/v1beta1/CSIStorageCapacity', 27, 'storage.k8s.io/v1 CSIStorageCapacity'],
      ['flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema', 29, 'flowcontrol.apiserver.k8s.io/v1 FlowSchema'],
      ['flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration', 29, 'flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration'],
      ['flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema', 32, 'flowcontrol.apiserver.k8s.io/v1 FlowSchema'],
      ['flowcontrol.apiserver.k8s.io/v1beta3/PriorityLevelConfiguration', 32, 'flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration'],
    ] as [string, number, string][]
  ).map(([key, release, replacement]) => [
    key,
    { release, replacement, ...(key.endsWith('/Ingress') ? { note: ingressNote } : {}) },
  ]),
);

/** Deprecated but still served (the server answers with a Warning header). */
const DEPRECATED: ReadonlyMap<string, ApiChange> = new Map([
  ['v1/ComponentStatus', { release: 19, replacement: 'nothing: read the components\' own health endpoints' }],
  ['v1/Endpoints', { release: 33, replacement: 'discovery.k8s.io/v1 EndpointSlice' }],
]);

/** `1.34` → 34. */
export function minorNumber(kubeVersion: string): number {
  return Number(kubeVersion.split('.')[1] ?? NaN);
}

/** The removal that applies to `apiVersion/Kind` in `kubeVersion`, if any. */
export function removedIn(key: string, kubeVersion: string): ApiChange | undefined {
  const change = REMOVED.get(key);
  return change && minorNumber(kubeVersion) >= change.release ? change : undefined;
}

export function deprecatedIn(key: string, kubeVersion: string): ApiChange | undefined {
  const change = DEPRECATED.get(key);
  return change && minorNumber(kubeVersion) >= change.release ? change : undefined;
}

/** The hint for an unknown field under a version whose predecessor had it (an Ingress written for v1beta1). */
export function movedFieldsNote(key: string): string | undefined {
  if (key === 'networking.k8s.io/v1/Ingress') return `${ingressNote}; serviceName/servicePort belong to extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress, removed in 1.22`;
  return undefined;
}
