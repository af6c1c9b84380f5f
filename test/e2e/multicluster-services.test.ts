/**
 * `gitfed run --multicluster-services` end to end against the lab (issue 16): the MCS CRDs from sigs.k8s.io/mcs-api's
 * Go module, a federated Deployment + Service exported (gitfed.io/export) from member1 and member2, kwok's Pods with
 * their IPs, kube-controller-manager's EndpointSlices, and what gitfed writes into every member of the ClusterSet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/types.ts';
import { yamlOf, federated, federatedDeployment, federatedNamespace, type OverridesSpec } from '../support/e2e-repo.ts';
import { daemonKit, sleep, waitFor, type DaemonScenario, type StartedDaemon } from '../support/daemon-kit.ts';
import { importedEndpoints, installMcsCrds, localEndpoints, mcsCrdDir, removeMcsCrds } from '../support/mcs-kit.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const kit = daemonKit(lab);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const exporters = ['member1', 'member2'];

function manifests(s: DaemonScenario, options: { exported?: boolean; serviceOverrides?: OverridesSpec } = {}): Record<string, string> {
  const service = federated(
    'Service',
    { name: 'web', namespace: s.namespace, placement: exporters, ...(options.exported === false ? {} : { annotations: { 'gitfed.io/export': 'true' } }), ...(options.serviceOverrides ? { overrides: options.serviceOverrides } : {}) },
    { spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  );
  return {
    'namespace.yaml': yamlOf(federatedNamespace(s.namespace)),
    // The test scales member2 by hand, as an autoscaler would: retainReplicas keeps the daemon's drift passes (which
    // every change of the exported endpoints triggers) from putting the count back mid-assertion.
    'app.yaml': yamlOf(federatedDeployment({ name: 'web', namespace: s.namespace, replicas: 2, placement: exporters, retainReplicas: true }), service),
  };
}

const serviceImport = (member: string, namespace: string) =>
  kit.observer.get(member).get({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', namespace, name: 'web' });
const serviceExport = (member: string, namespace: string) =>
  kit.observer.get(member).get({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', namespace, name: 'web' });
const conditionOf = (object: KubeObject | null, type: string) =>
  ((object?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

/** Waits until every importer holds slices from both exporters equal to the exporters' own ready endpoints. */
async function importsMatchExporters(s: DaemonScenario, importers: readonly string[], options: { timeoutMs?: number; minimum?: number } = {}) {
  return waitFor(
    `imports of web in ${importers.join(', ')} equal the exporters' endpoints`,
    async () => {
      const local = Object.fromEntries(await Promise.all(exporters.map(async (m) => [m, await localEndpoints(kit.observer.get(m), s.namespace, 'web')] as const)));
      if (exporters.some((m) => (local[m]?.length ?? 0) < (options.minimum ?? 1))) return undefined;
      for (const importer of importers) {
        const imported = await importedEndpoints(kit.observer.get(importer), s.namespace, 'web');
        if (JSON.stringify(imported) !== JSON.stringify(local)) return undefined;
      }
      return local;
    },
    { timeoutMs: options.timeoutMs ?? 60_000, pollMs: 50 },
  );
}

/**
 * A push once the daemon is quiet: a change of the exported services asks for a reconcile whose report commit would
 * race the push (the human clone pulls, then pushes).
 */
async function pushQuietly(s: DaemonScenario, daemon: StartedDaemon, files: Record<string, string>, message: string): Promise<string> {
  await sleep(500);
  await daemon.idle();
  return s.human.revision(files, message);
}

async function started(prefix: string, config: Parameters<DaemonScenario['start']>[0], files?: (s: DaemonScenario) => Record<string, string>) {
  const s = await kit.scenario(prefix);
  await s.human.revision((files ?? manifests)(s), 'human: exported web');
  const daemon: StartedDaemon = await s.start({ multiclusterServices: true, interval: '2s', ...config });
  return { s, daemon };
}

describe('multicluster services: a member without the MCS CRDs', () => {
  it('is reported TypeNotServed while the members that serve the API get their imports', async () => {
    await removeMcsCrds(kit.observer.get('member3'));
    for (const member of exporters) await installMcsCrds(kit.observer.get(member));
    const { s, daemon } = await started('mcs-not-served', {});

    const local = await importsMatchExporters(s, exporters, { minimum: 2 });
    expect(Object.keys(local)).toEqual(exporters);
    await waitFor('member3 TypeNotServed in the metrics', async () => {
      const { values } = await daemon.metrics.mcsTypeNotServed.get();
      return values.some((v) => v.labels.cluster === 'member3' && v.value === 1) || undefined;
    });
    const report = await waitFor('a report listing the exported service', async () => {
      const remote = await s.report();
      const mcs = (remote?.report as { multiclusterServices?: { notServed: string[]; services: { name: string; exporters: { cluster: string; endpoints: number }[]; importers: string[] }[] } } | undefined)?.multiclusterServices;
      return mcs && mcs.services.length > 0 && mcs.services[0]!.exporters.every((e) => e.endpoints === 2) ? { mcs, readme: remote!.readme } : undefined;
    });
    expect(report.mcs.notServed).toEqual(['member3']);
    expect(report.mcs.services.map((svc) => ({ name: svc.name, exporters: svc.exporters, importers: svc.importers }))).toEqual([
      { name: 'web', exporters: [{ cluster: 'member1', endpoints: 2 }, { cluster: 'member2', endpoints: 2 }], importers: exporters },
    ]);
    expect(report.readme).toContain('TypeNotServed (no multicluster.x-k8s.io/v1beta1): member3');
  });
});

describe('multicluster services: exported from member1 and member2', () => {
  it('imports into every member, follows a scale-down within 5 s, raises a port conflict, and removes the imports with the export', async () => {
    const dir = await mcsCrdDir();
    const { s, daemon } = await started('mcs', { installMcsCrds: dir });

    // Every member (member3 got the CRDs from --install-mcs-crds) holds the import with both exporters' pod IPs.
    const members = kit.members;
    const before = await importsMatchExporters(s, members, { minimum: 2 });
    expect(before.member1).toHaveLength(2);
    for (const member of members) {
      const imported = await serviceImport(member, s.namespace);
      expect(imported?.spec).toMatchObject({ type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
      expect(imported?.status).toMatchObject({ clusters: [{ cluster: 'member1' }, { cluster: 'member2' }] });
      expect(imported?.metadata.labels).toMatchObject({ 'kubefed.io/managed': 'true', 'gitfed.io/multicluster-import': s.instance });
    }
    for (const member of exporters) {
      await waitFor(`${member}'s ServiceExport Ready and free of conflicts`, async () => {
        const exported = await serviceExport(member, s.namespace);
        return conditionOf(exported, 'Ready')?.status === 'True' && conditionOf(exported, 'Conflict')?.status === 'False' && conditionOf(exported, 'Valid')?.reason === 'Valid' ? true : undefined;
      });
    }

    // Scale member2 down by hand: its EndpointSlice changes, and every import follows within 5 s of that.
    await kit.observer.get('member2').mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'web' }, { spec: { replicas: 1 } });
    await waitFor('member2 down to one endpoint', async () => ((await localEndpoints(kit.observer.get('member2'), s.namespace, 'web')).length === 1 ? true : undefined), { timeoutMs: 60_000, pollMs: 20 });
    const changed = Date.now();
    const after = await importsMatchExporters(s, members, { timeoutMs: 5_000 });
    expect(Date.now() - changed).toBeLessThan(5_000);
    expect(after.member2).toHaveLength(1);
    expect(after.member1).toEqual(before.member1);

    // member2's Service takes another port under the same name: a PortConflict on both exports, member1's port stays.
    await pushQuietly(s, daemon, manifests(s, { serviceOverrides: { member2: [{ path: '/spec/ports/0/port', value: 8080 }] } }), 'human: member2 on 8080');
    await daemon.webhook();
    for (const member of exporters) {
      await waitFor(`Conflict on ${member}'s export`, async () => {
        const conflict = conditionOf(await serviceExport(member, s.namespace), 'Conflict');
        return conflict?.status === 'True' && conflict.reason === 'PortConflict' ? true : undefined;
      }, { timeoutMs: 30_000 });
    }
    expect((await serviceImport('member3', s.namespace))?.spec).toMatchObject({ ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });

    // The export goes from Git: the ServiceExports are pruned, then the imports leave every member.
    await pushQuietly(s, daemon, manifests(s, { exported: false }), 'human: not exported');
    await daemon.webhook();
    await waitFor('imports gone from every member', async () => {
      const left = await Promise.all(members.map(async (m) => [await serviceImport(m, s.namespace), Object.keys(await importedEndpoints(kit.observer.get(m), s.namespace, 'web')).length] as const));
      return left.every(([imported, slices]) => imported === null && slices === 0) ? true : undefined;
    }, { timeoutMs: 30_000 });
    expect(await serviceExport('member1', s.namespace)).toBeNull();

    // Watch-driven writes were timed. One change can reach the imports through a pass whose reads beat its watch
    // event (nothing left to time then); over the scale-down, the conflict and the removal, some are timed.
    const propagations = async () =>
      (await daemon.metrics.mcsPropagation.get()).values.find((v) => v.metricName === 'gitfed_mcs_endpoint_propagation_seconds_count')?.value ?? 0;
    await waitFor('endpoint propagation timed', async () => ((await propagations()) > 0 ? true : undefined), { timeoutMs: 10_000 });
  });
});
