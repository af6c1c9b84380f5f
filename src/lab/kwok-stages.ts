/**
 * The kwok Stages (kwok.x-k8s.io/v1alpha1) each lab member's kwok runs with (written to a file, `--config`): kwok
 * v0.8 does not start without stages, and they are all that makes the fake nodes and their pods look alive. Only
 * what the lab needs, each stage matching a state none of the others matches:
 *
 * - node-ready: a fake node that is not Ready becomes Ready, with an InternalIP and a Hostname address. Its
 *   capacity and allocatable are the ones the lab created it with (the status template is a strategic merge
 *   patch, so fields it leaves out stay). No status heartbeat afterwards: kwok runs with
 *   `--node-lease-duration-seconds`, and the node lifecycle controller counts a renewed Lease as a heartbeat.
 *   Should a node ever be marked not Ready (kwok was down), this stage matches again and revives it.
 * - pod-running: a scheduled, pending pod not owned by a Job starts at once: Running, Ready, every container
 *   running and ready, a pod IP from kwok's pool and the node's IP, so Deployments, ReplicaSets, StatefulSets and
 *   DaemonSets count it available.
 * - job-pod-succeeded: a scheduled, pending pod owned by a batch/v1 Job skips Running and ends Succeeded, every
 *   container terminated with exit code 0, so Jobs (and CronJobs) complete.
 * - pod-image-fails: a scheduled, pending pod with a container whose image contains `gitfed.io/fail` never starts:
 *   it stays Pending, not Ready, every container waiting with ErrImagePull. The lab's way to make a workload fail on
 *   purpose: a Deployment of such an image never becomes Available, and with `progressDeadlineSeconds` the
 *   Deployment controller marks it ProgressDeadlineExceeded, which health reads as Failed (docs/rollouts.md).
 *   pod-running and job-pod-succeeded leave such pods alone.
 * - pod-gone: a pod being deleted loses its finalizers and is deleted with no grace period, so scale-downs,
 *   rollouts and namespace deletions finish.
 *
 * Selector keys are jq expressions over the object; a key whose query fails or yields nothing counts as absent
 * (NotIn and DoesNotExist match). Templates are Go text/template with kwok's functions (Now, Quote, NodeIP,
 * NodeIPWith, PodIPWith, Version) and sprig's; `.` is the object as JSON. Init containers, sidecars and
 * readiness gates get no statuses of their own: the pod's conditions are set directly.
 */
import { stringify } from 'yaml';

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

interface Requirement {
  key: string;
  operator: Operator;
  values?: string[];
}

interface Next {
  statusTemplate?: string;
  finalizers?: { empty: boolean };
  delete?: boolean;
}

function stage(name: string, kind: 'Node' | 'Pod', when: Requirement[], next: Next): unknown {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: { resourceRef: { apiGroup: 'v1', kind }, selector: { matchExpressions: when }, next },
  };
}

const template = (...lines: string[]): string => `${lines.join('\n')}\n`;

const readyStatus = '.status.conditions[] | select(.type == "Ready") | .status';
const jobOwnerKind = '.metadata.ownerReferences[] | select(.apiVersion == "batch/v1") | .kind';
const notDeleting: Requirement = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const pending: Requirement = { key: '.status.phase', operator: 'In', values: ['Pending'] };
/** The marker image of pods the lab keeps from starting (pod-image-fails). */
export const failingImageMarker = 'gitfed.io/fail';
const failingImage = `.spec.containers[].image | select(contains("${failingImageMarker}"))`;
const healthyImages: Requirement = { key: failingImage, operator: 'DoesNotExist' };

const nodeReady = stage('node-ready', 'Node', [{ key: readyStatus, operator: 'NotIn', values: ['True'] }], {
  statusTemplate: template(
    '{{- $now := Now | Quote }}',
    'conditions:',
    '- type: Ready',
    '  status: "True"',
    '  reason: KubeletReady',
    '  message: fake node kept by the lab\'s kwok',
    '  lastHeartbeatTime: {{ $now }}',
    '  lastTransitionTime: {{ $now }}',
    'addresses:',
    '- {type: InternalIP, address: {{ NodeIP | Quote }}}',
    '- {type: Hostname, address: {{ .metadata.name | Quote }}}',
    'nodeInfo:',
    '  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}',
    '  operatingSystem: linux',
    '  architecture: amd64',
  ),
});

const podRunning = stage(
  'pod-running',
  'Pod',
  [notDeleting, pending, healthyImages, { key: jobOwnerKind, operator: 'NotIn', values: ['Job'] }],
  {
    // PodIPWith hands out a new address from the pool on every call: call it once.
    statusTemplate: template(
      '{{- $now := Now | Quote }}',
      '{{- $hostIP := NodeIPWith .spec.nodeName | Quote }}',
      '{{- $podIP := PodIPWith .spec.nodeName (default false .spec.hostNetwork) .metadata.uid .metadata.name .metadata.namespace | Quote }}',
      'phase: Running',
      'startTime: {{ $now }}',
      'hostIP: {{ $hostIP }}',
      'hostIPs: [{ip: {{ $hostIP }}}]',
      'podIP: {{ $podIP }}',
      'podIPs: [{ip: {{ $podIP }}}]',
      'conditions:',
      '{{- range list "Initialized" "ContainersReady" "Ready" }}',
      '- {type: {{ . }}, status: "True", lastTransitionTime: {{ $now }}}',
      '{{- end }}',
      'containerStatuses:',
      '{{- range .spec.containers }}',
      '- name: {{ .name | Quote }}',
      '  image: {{ .image | Quote }}',
      '  ready: true',
      '  started: true',
      '  restartCount: 0',
      '  state: {running: {startedAt: {{ $now }}}}',
      '{{- end }}',
    ),
  },
);

const jobPodSucceeded = stage(
  'job-pod-succeeded',
  'Pod',
  [notDeleting, pending, healthyImages, { key: jobOwnerKind, operator: 'In', values: ['Job'] }],
  {
    statusTemplate: template(
      '{{- $now := Now | Quote }}',
      'phase: Succeeded',
      'startTime: {{ $now }}',
      'conditions:',
      '- {type: Initialized, status: "True", lastTransitionTime: {{ $now }}}',
      '{{- range list "ContainersReady" "Ready" }}',
      '- {type: {{ . }}, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now }}}',
      '{{- end }}',
      'containerStatuses:',
      '{{- range .spec.containers }}',
      '- name: {{ .name | Quote }}',
      '  image: {{ .image | Quote }}',
      '  ready: false',
      '  started: false',
      '  restartCount: 0',
      '  state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now }}, finishedAt: {{ $now }}}}',
      '{{- end }}',
    ),
  },
);

const podImageFails = stage(
  'pod-image-fails',
  'Pod',
  [
    notDeleting,
    pending,
    { key: failingImage, operator: 'Exists' },
    // Once: the waiting reason it sets is what stops it matching again.
    { key: '.status.containerStatuses[0].state.waiting.reason', operator: 'NotIn', values: ['ErrImagePull'] },
  ],
  {
    statusTemplate: template(
      '{{- $now := Now | Quote }}',
      'phase: Pending',
      'conditions:',
      '- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now }}}',
      '- {type: Initialized, status: "True", lastTransitionTime: {{ $now }}}',
      '{{- range list "ContainersReady" "Ready" }}',
      '- {type: {{ . }}, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now }}}',
      '{{- end }}',
      'containerStatuses:',
      '{{- range .spec.containers }}',
      '- name: {{ .name | Quote }}',
      '  image: {{ .image | Quote }}',
      '  ready: false',
      '  started: false',
      '  restartCount: 0',
      '  state: {waiting: {reason: ErrImagePull, message: "the lab keeps images marked gitfed.io/fail from starting"}}',
      '{{- end }}',
    ),
  },
);

const podGone = stage('pod-gone', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], {
  finalizers: { empty: true },
  delete: true,
});

/** The stages as one multi-document YAML file; kept in code so the lab works from any build output. */
export const kwokStagesYaml = [nodeReady, podRunning, jobPodSucceeded, podImageFails, podGone]
  .map((doc) => `---\n${stringify(doc, { blockQuote: 'literal', lineWidth: 0 })}`)
  .join('');
