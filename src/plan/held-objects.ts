/**
 * The one rule for objects a pass leaves as they are in a member (apply leaves them, plan shows them held):
 *   1. an error about an object in one cluster (ApplyOverridesFailed, ObjectInvalid …), or in the clusters it
 *      lists, holds it in those clusters: it is neither updated there nor pruned, whatever it held before stays;
 *   2. an error about an object that names no cluster, and `TypeDisabled`, hold it in every cluster;
 *   3. every object of a disabled type (`group/Kind` in the render's disabledKinds) is held everywhere, even
 *      once it left Git: like KubeFed with that type's controller stopped, nothing of the kind is pruned.
 * An object matches by its own id, or by its federated object's id where that is known.
 */
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.ts';

export interface HeldObjects {
  /** The code that holds the object in `cluster`, or undefined when it is not held. */
  reason(cluster: string, object: { id: string; groupKind: string; federated?: string | undefined }): DiagnosticCode | undefined;
}

export function heldObjects(rendered: { diagnostics: readonly Diagnostic[]; disabledKinds?: readonly string[] | undefined }): HeldObjects {
  const everywhere = new Map<string, DiagnosticCode>();
  const byCluster = new Map<string, Map<string, DiagnosticCode>>();
  for (const diagnostic of rendered.diagnostics) {
    if (!diagnostic.resource) continue;
    const disabled = diagnostic.code === 'TypeDisabled';
    if (diagnostic.severity !== 'error' && !disabled) continue;
    const clusters = diagnostic.clusters ?? (diagnostic.cluster ? [diagnostic.cluster] : []);
    const targets = clusters.length > 0 && !disabled ? clusters.map((cluster) => mapOf(byCluster, cluster)) : [everywhere];
    for (const target of targets) if (!target.has(diagnostic.resource)) target.set(diagnostic.resource, diagnostic.code);
  }
  const disabledKinds = new Set(rendered.disabledKinds ?? []);
  return {
    reason(cluster, object) {
      const here = byCluster.get(cluster);
      const byId = (id: string | undefined) => (id === undefined ? undefined : (here?.get(id) ?? everywhere.get(id)));
      return byId(object.id) ?? byId(object.federated) ?? (disabledKinds.has(object.groupKind) ? 'TypeDisabled' : undefined);
    },
  };
}

function mapOf(byCluster: Map<string, Map<string, DiagnosticCode>>, cluster: string): Map<string, DiagnosticCode> {
  let map = byCluster.get(cluster);
  if (!map) byCluster.set(cluster, (map = new Map()));
  return map;
}
