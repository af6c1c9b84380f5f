/**
 * From the ServiceExports of the ClusterSet's members to one derived service per namespace/name, by KEP-1645's
 * rules ("Constraints and Conflict Resolution"):
 * - an export is valid when its Service exists and is not of type ExternalName (Valid False: NoService,
 *   InvalidServiceType); only valid exports take part;
 * - precedence is the ServiceExport's creationTimestamp, oldest first (ties: cluster name), and decides every
 *   global property that cannot simply be merged: headlessness (the import's type), session affinity and its config;
 * - ports are the union over the constituent Services, merged first by name, then by the (protocol, port) pair:
 *   a port whose name is taken by a different (port, protocol, appProtocol), or whose (protocol, port) is taken
 *   under another name, loses to the older export's and is a PortConflict;
 * - a conflict is raised on every ServiceExport of the service, its reasons joined with commas.
 */
import type { KubeObject } from '../model/types.ts';
import type { ConflictReason, ImportPort, ImportType } from './mcs-api.ts';

/** One member's ServiceExport with the Service it names (null when there is none). */
export interface MemberExport {
  cluster: string;
  export: KubeObject;
  service: KubeObject | null;
}

export type ExportValidity = { valid: true } | { valid: false; reason: 'NoService' | 'InvalidServiceType'; message: string };

export interface DerivedService {
  namespace: string;
  name: string;
  type: ImportType;
  ports: ImportPort[];
  sessionAffinity?: string;
  sessionAffinityConfig?: unknown;
  /** Valid exporting clusters, in precedence order (oldest export first). */
  exporters: string[];
  /** Invalid exports, by cluster. */
  invalid: Record<string, ExportValidity & { valid: false }>;
  conflicts: ConflictReason[];
  /** One sentence per conflict: what differs, which export's value is in force. */
  conflictMessages: string[];
}

export function validityOf(exported: MemberExport): ExportValidity {
  if (!exported.service) {
    return { valid: false, reason: 'NoService', message: `no Service ${exported.export.metadata.namespace}/${exported.export.metadata.name} in ${exported.cluster}` };
  }
  const type = specOf(exported.service).type;
  if (type === 'ExternalName') return { valid: false, reason: 'InvalidServiceType', message: 'a Service of type ExternalName cannot be exported' };
  return { valid: true };
}

/** Every derived service, sorted by namespace/name; deterministic for the same input in any order. */
export function mergeExports(exports: readonly MemberExport[]): DerivedService[] {
  const groups = new Map<string, MemberExport[]>();
  for (const exported of exports) {
    const key = `${exported.export.metadata.namespace ?? ''}/${exported.export.metadata.name}`;
    groups.set(key, [...(groups.get(key) ?? []), exported]);
  }
  return [...groups.keys()].sort().map((key) => deriveService(groups.get(key)!));
}

function deriveService(group: readonly MemberExport[]): DerivedService {
  const first = group[0]!.export.metadata;
  const invalid: DerivedService['invalid'] = {};
  const valid: MemberExport[] = [];
  for (const exported of [...group].sort(byPrecedence)) {
    const validity = validityOf(exported);
    if (validity.valid) valid.push(exported);
    else invalid[exported.cluster] = validity;
  }
  const conflicts = new Set<ConflictReason>();
  const messages: string[] = [];
  const oldest = valid[0];
  const type = oldest ? importTypeOf(oldest.service!) : 'ClusterSetIP';
  const affinity = oldest ? specOf(oldest.service!).sessionAffinity : undefined;
  const affinityConfig = oldest ? specOf(oldest.service!).sessionAffinityConfig : undefined;
  for (const exported of valid.slice(1)) {
    const spec = specOf(exported.service!);
    if (importTypeOf(exported.service!) !== type) {
      conflicts.add('TypeConflict');
      messages.push(`${exported.cluster} exports a ${importTypeOf(exported.service!)} service; ${oldest!.cluster}'s older export makes it ${type}`);
    }
    if ((spec.sessionAffinity ?? 'None') !== (affinity ?? 'None')) {
      conflicts.add('SessionAffinityConflict');
      messages.push(`${exported.cluster} has sessionAffinity ${String(spec.sessionAffinity ?? 'None')}; ${oldest!.cluster}'s ${String(affinity ?? 'None')} is in force`);
    }
    if (JSON.stringify(spec.sessionAffinityConfig ?? null) !== JSON.stringify(affinityConfig ?? null)) {
      conflicts.add('SessionAffinityConfigConflict');
      messages.push(`${exported.cluster}'s sessionAffinityConfig differs from ${oldest!.cluster}'s, which is in force`);
    }
  }
  const ports = mergePorts(valid, (message) => {
    conflicts.add('PortConflict');
    messages.push(message);
  });
  return {
    namespace: first.namespace ?? '',
    name: first.name,
    type,
    ports,
    ...(affinity !== undefined ? { sessionAffinity: String(affinity) } : {}),
    ...(affinityConfig !== undefined ? { sessionAffinityConfig: affinityConfig } : {}),
    exporters: valid.map((exported) => exported.cluster),
    invalid,
    conflicts: [...conflicts].sort(),
    conflictMessages: messages,
  };
}

/** Union of the ports, by name first, then by (protocol, port); the older export's port wins each clash. */
export function mergePorts(valid: readonly MemberExport[], conflict: (message: string) => void): ImportPort[] {
  const merged: { port: ImportPort; cluster: string }[] = [];
  for (const exported of valid) {
    for (const port of portsOf(exported.service!)) {
      const sameName = merged.find((taken) => (taken.port.name ?? '') === (port.name ?? ''));
      if (sameName) {
        if (!samePort(sameName.port, port)) {
          conflict(`port ${describe(port)} of ${exported.cluster} clashes by name with ${describe(sameName.port)} of ${sameName.cluster}, which is in force`);
        }
        continue;
      }
      const sameNumber = merged.find((taken) => taken.port.protocol === port.protocol && taken.port.port === port.port);
      if (sameNumber) {
        conflict(`port ${describe(port)} of ${exported.cluster} clashes by protocol and number with ${describe(sameNumber.port)} of ${sameNumber.cluster}, which is in force`);
        continue;
      }
      merged.push({ port, cluster: exported.cluster });
    }
  }
  return merged.map((taken) => taken.port);
}

function portsOf(service: KubeObject): ImportPort[] {
  const ports = (specOf(service).ports ?? []) as { name?: string; protocol?: string; appProtocol?: string; port: number }[];
  return ports.map((port) => ({
    ...(port.name ? { name: port.name } : {}),
    protocol: port.protocol ?? 'TCP',
    ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
    port: port.port,
  }));
}

function samePort(a: ImportPort, b: ImportPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.appProtocol ?? '') === (b.appProtocol ?? '');
}

function describe(port: ImportPort): string {
  return `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol}${port.appProtocol ? ` (${port.appProtocol})` : ''}`;
}

export function importTypeOf(service: KubeObject): ImportType {
  return specOf(service).clusterIP === 'None' ? 'Headless' : 'ClusterSetIP';
}

/** Oldest ServiceExport first; equal timestamps (second resolution) by cluster name, so the order is total. */
function byPrecedence(a: MemberExport, b: MemberExport): number {
  const at = String(a.export.metadata.creationTimestamp ?? '');
  const bt = String(b.export.metadata.creationTimestamp ?? '');
  if (at !== bt) return at < bt ? -1 : 1;
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}

function specOf(service: KubeObject): { type?: string; clusterIP?: string; ports?: unknown[]; sessionAffinity?: unknown; sessionAffinityConfig?: unknown } {
  return (service.spec ?? {}) as ReturnType<typeof specOf>;
}
