/**
 * The entry the commands and the daemon use (pure): a render result + its model + the schemas of a Kubernetes
 * release → the render result with validation's diagnostics added (validate-objects.ts). The repository's CRDs
 * (documents of their own, and the templates of FederatedCustomResourceDefinitions) supply the schemas of their
 * custom resources; validators are compiled once per kind and kept while the CRDs stay the same.
 */
import { compareDiagnostics, type Diagnostic } from '../model/diagnostic.ts';
import type { JsonValue, Model } from '../model/types.ts';
import { groupVersion } from '../render/build-object.ts';
import type { RenderResult } from '../render/render.ts';
import { crdSource } from './crd-schemas.ts';
import { KindValidators, bundleSource, type SchemaSource } from './kind-validators.ts';
import type { SchemaBundle } from './schema-bundle.ts';
import { validateObjects } from './validate-objects.ts';

export interface Schemas {
  kubeVersion: string;
  /** For messages: `Kubernetes 1.34`, `member1's /openapi/v3`. */
  name: string;
  source: SchemaSource;
  /** Validators for the last set of CRDs seen (the daemon validates every pass). */
  last?: { crdKey: string; validators: KindValidators };
}

export function schemasOf(bundle: SchemaBundle, name = `Kubernetes ${bundle.kubeVersion}`, id?: string): Schemas {
  return { kubeVersion: bundle.kubeVersion, name, source: bundleSource(bundle, id) };
}

export function validateRender(rendered: RenderResult, model: Model, schemas: Schemas): Diagnostic[] {
  return validateObjects(rendered, { kubeVersion: schemas.kubeVersion, validators: validatorsFor(model, schemas), schemaName: schemas.name });
}

/** The render result with validation's problems among its diagnostics (sorted). */
export function withValidation(rendered: RenderResult, model: Model, schemas: Schemas): RenderResult {
  const found = validateRender(rendered, model, schemas);
  if (found.length === 0) return rendered;
  return { ...rendered, diagnostics: [...rendered.diagnostics, ...found].sort(compareDiagnostics) };
}

function validatorsFor(model: Model, schemas: Schemas): KindValidators {
  const crds: JsonValue[] = [
    ...(model.customResourceDefinitions ?? []).map((crd) => crd.value),
    // A federated CRD's template may leave apiVersion to its type, as the renderer does (build-object.ts).
    ...model.objects
      .filter((object) => object.type.target.kind === 'CustomResourceDefinition' && object.template)
      .map((object) => ({ apiVersion: groupVersion(object.type.target.group, object.type.target.version), ...object.template }) as JsonValue),
  ];
  const crdKey = JSON.stringify(crds);
  if (schemas.last?.crdKey === crdKey) return schemas.last.validators;
  const sources = crds.length > 0 ? [crdSource(crds, schemas.source.id).source, schemas.source] : [schemas.source];
  const validators = new KindValidators(sources);
  schemas.last = { crdKey, validators };
  return validators;
}
