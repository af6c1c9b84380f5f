/**
 * The member side of `gitfed join` and `gitfed unjoin` (effect), through a ClusterClient holding admin
 * credentials for the member. join is idempotent (server-side apply); unjoin deletes only objects carrying join's
 * label for this cluster name, and never the workloads gitfed applied (as KubeFed's unjoin, spec §6.6).
 */
import type { ClusterClient, ObjectRef } from '../cluster/cluster-client.ts';
import { GitfedError } from '../model/diagnostic.ts';
import { resourceId } from '../model/identity.ts';
import type { KubeObject } from '../model/types.ts';
import { inventoryNamespace } from '../plan/inventory.ts';
import {
  clusterRoleBinding,
  createdByAnnotation,
  createdByJoin,
  joinedClusterLabel,
  managedByLabel,
  memberObjects,
  namespaceObject,
  type JoinNames,
  type RbacPreset,
} from './join-plan.ts';

export interface JoinMemberOptions {
  names: JoinNames;
  preset: RbacPreset;
  /** How long to wait for the token controller to fill the token Secret. */
  tokenTimeoutMs: number;
}

export interface JoinMemberDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface JoinMemberResult {
  token: string;
  /** The token Secret's ca.crt (base64 PEM), a fallback when the admin kubeconfig carries no CA. */
  caCrt?: string;
  /** What was done, one line each (`created ServiceAccount/gitfed-system/gitfed-member1`). */
  actions: string[];
}

export async function joinMember(client: ClusterClient, options: JoinMemberOptions, deps: JoinMemberDeps = {}): Promise<JoinMemberResult> {
  const { names, preset } = options;
  const actions: string[] = [];
  const namespaceRef: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: names.namespace };
  const namespace = await client.get(namespaceRef);
  if (!namespace) {
    await client.apply(namespaceObject(names));
    actions.push(`created ${idOf(namespaceRef)}`);
  } else if (namespace.metadata.deletionTimestamp) {
    throw new GitfedError('UsageError', `namespace ${names.namespace} is being deleted in the member; wait until it is gone and join again`, { cluster: names.cluster });
  }

  // A binding's roleRef cannot change: switching presets replaces the binding.
  const binding = clusterRoleBinding(names, preset);
  const bindingRef = refOf(binding);
  const liveBinding = await client.get(bindingRef);
  const wantedRole = (binding.roleRef as { name: string }).name;
  if (liveBinding && (liveBinding.roleRef as { name?: string } | undefined)?.name !== wantedRole) {
    assertOurs(liveBinding, names);
    await client.delete(bindingRef);
    actions.push(`deleted ${idOf(bindingRef)} (its role changes to ${wantedRole})`);
  }

  for (const object of memberObjects(names, preset)) {
    const ref = refOf(object);
    const before = await client.get(ref);
    if (before) assertOurs(before, names);
    await client.apply(object, { force: true });
    actions.push(`${before ? 'configured' : 'created'} ${idOf(ref)}`);
  }
  if (preset === 'cluster-admin') {
    const roleRef: ObjectRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: names.rbac };
    const role = await client.get(roleRef);
    if (role && isOurs(role, names)) {
      await client.delete(roleRef);
      actions.push(`deleted ${idOf(roleRef)} (preset cluster-admin binds the built-in role)`);
    }
  }

  const secret = await waitForToken(client, names, options.tokenTimeoutMs, deps);
  actions.push(`token of ServiceAccount ${names.namespace}/${names.serviceAccount} ready`);
  const data = (secret.data ?? {}) as Record<string, string>;
  return { token: Buffer.from(data.token ?? '', 'base64').toString('utf8'), ...(data['ca.crt'] ? { caCrt: data['ca.crt'] } : {}), actions };
}

async function waitForToken(client: ClusterClient, names: JoinNames, timeoutMs: number, deps: JoinMemberDeps): Promise<KubeObject> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? (() => performance.now());
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: names.namespace, name: names.tokenSecret };
  const deadline = now() + timeoutMs;
  for (;;) {
    const secret = await client.get(ref);
    const token = (secret?.data as Record<string, string> | undefined)?.token;
    if (secret && token) return secret;
    if (now() > deadline) {
      throw new GitfedError(
        'InternalError',
        `the token controller did not fill Secret ${names.namespace}/${names.tokenSecret} within ${Math.round(timeoutMs / 1000)} s; is kube-controller-manager running with its service account token controller (--service-account-private-key-file)?`,
        { cluster: names.cluster },
      );
    }
    await sleep(250);
  }
}

export interface UnjoinMemberOptions {
  names: JoinNames;
  dryRun: boolean;
  /** Carry on past errors, collecting them (KubeFed's `unjoin --force`). */
  force: boolean;
}

export interface UnjoinMemberResult {
  actions: string[];
  /** Errors passed over with force. */
  problems: string[];
}

/**
 * Deletes the binding, role, token Secret and ServiceAccount join made, then the namespace when join created it
 * and nothing of gitfed's is left in it: no other joined ServiceAccount and no inventory ConfigMap (the record of
 * what gitfed applied, which must outlive a re-join).
 */
export async function unjoinMember(client: ClusterClient, options: UnjoinMemberOptions): Promise<UnjoinMemberResult> {
  const { names, dryRun, force } = options;
  const actions: string[] = [];
  const problems: string[] = [];
  const step = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      if (!force) throw err;
      problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const refs: ObjectRef[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: names.rbac },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: names.rbac },
    { apiVersion: 'v1', kind: 'Secret', namespace: names.namespace, name: names.tokenSecret },
    { apiVersion: 'v1', kind: 'ServiceAccount', namespace: names.namespace, name: names.serviceAccount },
  ];
  for (const ref of refs) {
    await step(`delete ${idOf(ref)}`, async () => {
      const live = await client.get(ref);
      if (!live) return;
      if (!isOurs(live, names)) {
        actions.push(`kept ${idOf(ref)}: it does not carry ${joinedClusterLabel}=${names.cluster}`);
        return;
      }
      if (!dryRun) await client.delete(ref, { propagationPolicy: 'Background' });
      actions.push(`${dryRun ? 'would delete' : 'deleted'} ${idOf(ref)}`);
    });
  }
  await step(`delete Namespace/${names.namespace}`, async () => {
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: names.namespace };
    const namespace = await client.get(ref);
    if (!namespace) return;
    const why = await namespaceKeepReason(client, namespace, names);
    if (why) {
      actions.push(`kept ${idOf(ref)}: ${why}`);
      return;
    }
    if (!dryRun) await client.delete(ref, { propagationPolicy: 'Background' });
    actions.push(`${dryRun ? 'would delete' : 'deleted'} ${idOf(ref)}`);
  });
  return { actions, problems };
}

async function namespaceKeepReason(client: ClusterClient, namespace: KubeObject, names: JoinNames): Promise<string | undefined> {
  if (namespace.metadata.annotations?.[createdByAnnotation] !== createdByJoin) return 'gitfed join did not create it';
  const accounts = await client.list('v1', 'ServiceAccount', { namespace: names.namespace, labelSelector: `${managedByLabel}=gitfed` });
  const others = accounts
    .filter((account) => account.metadata.name !== names.serviceAccount)
    .map((account) => account.metadata.labels?.[joinedClusterLabel] ?? account.metadata.name);
  if (others.length > 0) return `other joins still use it (${others.sort().join(', ')})`;
  if (names.namespace === inventoryNamespace) {
    const inventories = await client.list('v1', 'ConfigMap', { namespace: names.namespace, labelSelector: 'gitfed.io/instance' });
    if (inventories.length > 0) {
      return `it holds the inventory of what gitfed applied here (${inventories.map((i) => i.metadata.name).sort().join(', ')}); delete it by hand when no gitfed instance manages this member any more`;
    }
  }
  return undefined;
}

function isOurs(object: KubeObject, names: JoinNames): boolean {
  return object.metadata.labels?.[joinedClusterLabel] === names.cluster;
}

function assertOurs(object: KubeObject, names: JoinNames): void {
  if (!isOurs(object, names)) {
    throw new GitfedError(
      'UsageError',
      `${idOf(refOf(object))} already exists in the member and was not made by gitfed join for "${names.cluster}" (no ${joinedClusterLabel}=${names.cluster} label); remove it or join under another name`,
      { cluster: names.cluster },
    );
  }
}

function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

function idOf(ref: ObjectRef): string {
  return resourceId(ref);
}
