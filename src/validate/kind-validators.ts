/**
 * Compiled validators, one per schema source and kind, compiled on first use and kept (pure: ajv generates code
 * in memory, nothing is read or written). A source is a shipped or live bundle (Kubernetes' own kinds) or the
 * CRDs a repository holds (their custom resources).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { JsonObject, JsonValue } from '../model/types.ts';
import type { SchemaBundle } from './schema-bundle.ts';
import { toJsonSchema } from './to-json-schema.ts';

export type KindValidator = (object: JsonValue) => readonly ErrorObject[];

/** Formats the API server checks when it decodes (int32 range, base64, RFC 3339 times) or validates CRDs. */
const CHECKED_FORMATS = ['date', 'date-time', 'byte', 'int32', 'int64', 'float', 'double', 'uuid', 'ipv4', 'ipv6', 'email', 'hostname'] as const;

/** A resource.Quantity as its parser accepts it: a decimal number and a binary, decimal or exponent suffix. */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
type FormatsPlugin = (ajv: Ajv, formats: string[]) => Ajv;
const addFormats = ((addFormatsPlugin as unknown as { default?: FormatsPlugin }).default ?? (addFormatsPlugin as unknown as FormatsPlugin));

const QUANTITY_SCHEMA = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export interface SchemaSource {
  /** ajv schema id, e.g. `kube-1.34` or `repo-crds`. */
  id: string;
  /** `apps/v1/Deployment` → definition name under `definitions`. */
  kinds: ReadonlyMap<string, string>;
  definitions: Record<string, JsonObject>;
}

/** A bundle as a source: definitions converted once. */
export function bundleSource(bundle: SchemaBundle, id = `kube-${bundle.kubeVersion}`): SchemaSource {
  const definitions: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(bundle.schemas)) definitions[name] = toJsonSchema(schema, id) as JsonObject;
  // The server parses a Quantity string when it decodes (a bad one is refused); the schema only says string or number.
  const quantity = definitions[QUANTITY_SCHEMA];
  if (quantity) definitions[QUANTITY_SCHEMA] = { ...quantity, format: 'quantity' };
  return { id, kinds: new Map(Object.entries(bundle.kinds)), definitions };
}

export class KindValidators {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly sources: SchemaSource[];

  /** Sources earlier in the list win for a kind both know (the repository's CRDs before the bundle). */
  constructor(sources: readonly SchemaSource[]) {
    this.sources = [...sources];
    this.ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateSchema: false, addUsedSchema: false, inlineRefs: true });
    addFormats(this.ajv, [...CHECKED_FORMATS]);
    this.ajv.addFormat('quantity', { type: 'string', validate: (text: string) => QUANTITY.test(text) });
    for (const format of otherFormats(this.sources)) this.ajv.addFormat(format, true);
    for (const source of this.sources) this.ajv.addSchema({ $id: source.id, definitions: source.definitions });
  }

  has(kindKey: string): boolean {
    return this.sources.some((source) => source.kinds.has(kindKey));
  }

  /** The validator for `group/version/Kind`, or undefined when no source knows the kind. */
  get(kindKey: string): KindValidator | undefined {
    let validate = this.compiled.get(kindKey);
    if (validate === undefined) {
      const source = this.sources.find((candidate) => candidate.kinds.has(kindKey));
      const name = source?.kinds.get(kindKey);
      validate = source && name ? this.ajv.compile({ $ref: `${source.id}#/definitions/${name}` }) : null;
      this.compiled.set(kindKey, validate);
    }
    if (!validate) return undefined;
    const fn = validate;
    return (object) => (fn(object) ? [] : (fn.errors ?? []));
  }
}

/** Formats the sources use that are not checked: known to ajv so it does not refuse the schema. */
function otherFormats(sources: readonly SchemaSource[]): Set<string> {
  const found = new Set<string>();
  const walk = (value: JsonValue | undefined) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'format' && typeof child === 'string') found.add(child);
        else if (key !== 'enum') walk(child);
      }
    }
  };
  for (const source of sources) walk(source.definitions);
  for (const format of [...CHECKED_FORMATS, 'quantity']) found.delete(format);
  return found;
}
