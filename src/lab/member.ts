/**
 * Starts one member cluster of the lab: a kube-apiserver on 127.0.0.1 (client-cert auth, RBAC, its own
 * `--etcd-prefix` in the shared etcd), then — with the full profile — kube-controller-manager, kube-scheduler and
 * kwok against it, then two fake nodes that kwok keeps Ready, so Deployments really roll out. Returns once the
 * member can take workloads (api profile: once its kube-apiserver is ready).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitfedError } from '../model/diagnostic.ts';
import type { LabBinaries } from './binaries.ts';
import { kubeRequest, type KubeCredentials } from './kube-request.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kwokStagesYaml } from './kwok-stages.ts';
import type { LabProfile } from './lab-info.ts';
import { labPaths } from './lab-paths.ts';
import type { LabPki } from './pki.ts';
import { freePort, logShowsPortInUse, spawnComponent, stopProcesses, type LabProcess } from './processes.ts';
import type { Progress } from './progress.ts';
import { exitedError, waitFor } from './wait-for.ts';

export interface MemberSpec {
  labDir: string;
  name: string;
  profile: LabProfile;
  binaries: LabBinaries;
  pki: LabPki;
  credentials: KubeCredentials;
  etcdUrl: string;
  progress: Progress;
  /** Per wait (apiserver ready, nodes ready). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StartedMember {
  name: string;
  server: string;
  processes: LabProcess[];
  /** Seconds from the start of this member to ready. */
  readySeconds: number;
}

/** The fake nodes every member gets: enough room for any test workload, no taints. */
export const fakeNodeNames = ['kwok-node-0', 'kwok-node-1'];

export async function startMember(spec: MemberSpec): Promise<StartedMember> {
  const started = performance.now();
  const timeoutMs = spec.timeoutMs ?? 90_000;
  const memberDir = join(labPaths(spec.labDir).members, spec.name);
  await mkdir(memberDir, { recursive: true });
  const { server, process: apiserver } = await startApiserver(spec, timeoutMs);
  spec.progress(`${spec.name}: kube-apiserver ready at ${server}`);
  if (spec.profile === 'api') {
    return { name: spec.name, server, processes: [apiserver], readySeconds: (performance.now() - started) / 1000 };
  }

  const kubeconfig = join(memberDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, [{ name: spec.name, server }], spec.credentials);
  // kwok v0.8 starts only with stages: gitfed's own minimal node and pod stages (kwok-stages.ts).
  const kwokStages = join(memberDir, 'kwok-stages.yaml');
  await writeFile(kwokStages, kwokStagesYaml);
  const common = { labDir: spec.labDir, member: spec.name };
  const controllers = await Promise.all([
    spawnComponent({
      ...common,
      id: `${spec.name}-kube-controller-manager`,
      component: 'kube-controller-manager',
      command: spec.binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--controllers=*',
        `--service-account-private-key-file=${spec.pki.serviceAccountKey}`,
        `--root-ca-file=${spec.pki.caCert}`,
        `--cluster-signing-cert-file=${spec.pki.caCert}`,
        `--cluster-signing-key-file=${spec.pki.caKey}`,
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
      ],
    }),
    spawnComponent({
      ...common,
      id: `${spec.name}-kube-scheduler`,
      component: 'kube-scheduler',
      command: spec.binaries.kubeScheduler,
      args: [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0'],
    }),
    spawnComponent({
      ...common,
      id: `${spec.name}-kwok`,
      component: 'kwok',
      command: spec.binaries.kwok,
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--config=${kwokStages}`,
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16', // pod IPs, apart from the service range (10.96.0.0/16)
        '--node-ip=10.240.0.1',
      ],
    }),
  ]);
  spec.progress(`${spec.name}: kube-controller-manager, kube-scheduler and kwok started`);

  await createFakeNodes(server, spec.credentials);
  await waitFor(() => nodesReady(server, spec.credentials), {
    what: `${spec.name}'s fake nodes to become Ready (kwok marks them; see ${controllers[2]?.record.log})`,
    timeoutMs,
    intervalMs: 250,
    processes: [apiserver, ...controllers],
    ...(spec.signal ? { signal: spec.signal } : {}),
  });
  for (const proc of controllers) {
    if (proc.hasExited()) throw await exitedError(proc, `${spec.name} was ready`);
  }
  const readySeconds = (performance.now() - started) / 1000;
  spec.progress(`${spec.name}: ${fakeNodeNames.length} fake nodes Ready; member ready in ${readySeconds.toFixed(1)} s`);
  return { name: spec.name, server, processes: [apiserver, ...controllers], readySeconds };
}

async function startApiserver(spec: MemberSpec, timeoutMs: number): Promise<{ server: string; process: LabProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const proc = await spawnComponent({
      labDir: spec.labDir,
      id: `${spec.name}-kube-apiserver`,
      component: 'kube-apiserver',
      member: spec.name,
      command: spec.binaries.kubeApiserver,
      args: [
        `--etcd-servers=${spec.etcdUrl}`,
        `--etcd-prefix=/${spec.name}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none',
        `--secure-port=${port}`,
        `--tls-cert-file=${spec.pki.servingCert}`,
        `--tls-private-key-file=${spec.pki.servingKey}`,
        `--client-ca-file=${spec.pki.caCert}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${spec.pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${spec.pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16', // room for thousands of Services (benchmarks)
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--profiling=false',
      ],
    });
    try {
      await waitFor(() => apiserverReady(server, spec.credentials), {
        what: `${spec.name}'s kube-apiserver at ${server} to be ready (/readyz, then namespace default)`,
        timeoutMs,
        intervalMs: 250,
        processes: [proc],
        ...(spec.signal ? { signal: spec.signal } : {}),
      });
      return { server, process: proc };
    } catch (err) {
      if (attempt < 3 && proc.hasExited() && (await logShowsPortInUse(proc))) {
        await stopProcesses(spec.labDir, [proc.record], { graceMs: 2_000 });
        spec.progress(`${spec.name}: port ${port} was taken before kube-apiserver bound it; retrying with another`);
        continue;
      }
      throw err;
    }
  }
}

/** `/readyz` with the admin credentials (anonymous gets 403 during RBAC bootstrap), then the default namespace. */
export async function apiserverReady(server: string, credentials: KubeCredentials): Promise<true | undefined> {
  const readyz = await kubeRequest(server, credentials, { path: '/readyz', timeoutMs: 5_000 });
  if (readyz.status !== 200) throw new Error(`/readyz answered ${readyz.status}`);
  const ns = await kubeRequest(server, credentials, { path: '/api/v1/namespaces/default', timeoutMs: 5_000 });
  if (ns.status !== 200) throw new Error(`namespace default: ${ns.status}`);
  return true;
}

function fakeNode(name: string): unknown {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  };
}

async function createFakeNodes(server: string, credentials: KubeCredentials): Promise<void> {
  for (const name of fakeNodeNames) {
    const res = await kubeRequest(server, credentials, { method: 'POST', path: '/api/v1/nodes', body: fakeNode(name), timeoutMs: 10_000 });
    if (res.status !== 201 && res.status !== 409) {
      throw new GitfedError('InternalError', `creating fake node ${name} on ${server} failed with ${res.status}: ${res.body.slice(0, 300)}`);
    }
  }
}

interface NodeList {
  items: {
    metadata: { name: string };
    spec?: { taints?: { key: string; effect: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

async function nodesReady(server: string, credentials: KubeCredentials): Promise<true | undefined> {
  const res = await kubeRequest(server, credentials, { path: '/api/v1/nodes', timeoutMs: 5_000 });
  if (res.status !== 200) throw new Error(`listing nodes: ${res.status}`);
  const list = JSON.parse(res.body) as NodeList;
  const notReady = fakeNodeNames.filter((name) => {
    const node = list.items.find((n) => n.metadata.name === name);
    const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    // The node lifecycle controller lifts the not-ready taint a moment after kwok reports Ready.
    const tainted = node?.spec?.taints?.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    return !ready || tainted;
  });
  if (notReady.length > 0) throw new Error(`not Ready yet: ${notReady.join(', ')}`);
  return true;
}
