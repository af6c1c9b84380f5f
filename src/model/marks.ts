/**
 * The marks gitfed puts on every object it renders, and reads back before touching a member object
 * (gitfed decisions 9–11). Render adds them after overrides, so an override can never remove them.
 */

/** KubeFed's managed label, kept so KubeFed-era selectors keep working. `"false"` means hands off. */
export const managedLabel = 'kubefed.io/managed';
/** On a federated object: delete nothing in members, only unmark (KubeFed's orphaning annotation). */
export const orphanAnnotation = 'kubefed.io/orphan';
/** The federated object a member object was rendered from, as `FederatedKind/namespace/name`. */
export const federatedObjectAnnotation = 'gitfed.io/federated-object';
/** The gitfed instance that owns the member object. */
export const instanceAnnotation = 'gitfed.io/instance';
/** spec.replicas is set on creation only and then left to the member (e.g. an HPA), gitfed decision 12. */
export const retainReplicasAnnotation = 'gitfed.io/retain-replicas';

export const defaultInstance = 'gitfed';
/** On a federated object: take over pre-existing, unmarked member objects of the same name (decision 10). */
export const adoptAnnotation = 'gitfed.io/adopt';
/** On a KubeFedCluster: let the next apply delete more than the deletion guard allows in that member. */
export const allowMassDeletionAnnotation = 'gitfed.io/allow-mass-deletion';
/** On a FederatedService: also render a ServiceExport (Multi-Cluster Services) next to the Service in every member. */
export const exportAnnotation = 'gitfed.io/export';
/** On a ServiceImport, EndpointSlice or ClusterProperty the multicluster-services controller wrote: its instance. */
export const multiclusterImportLabel = 'gitfed.io/multicluster-import';
/** Hash of what the multicluster-services controller last wrote to the object: unchanged objects are not rewritten. */
export const multiclusterHashAnnotation = 'gitfed.io/multicluster-hash';
