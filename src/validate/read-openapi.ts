/**
 * Reads a server's `/openapi/v3` discovery and group-version documents through a GET passed in, and compacts
 * them into a schema bundle (schema-bundle.ts). Pure apart from the `get` it is given: the dump script and the
 * e2e test pass the lab's HTTPS client, `--live` a member's client.
 */
import type { JsonObject } from '../model/types.ts';
import { compactOpenApi, type SchemaBundle } from './schema-bundle.ts';

export type GetJson = (path: string) => Promise<JsonObject>;

export async function readServerSchemas(get: GetJson): Promise<SchemaBundle> {
  const version = await get('/version');
  const kubeVersion = minorOf(version);
  const discovery = await get('/openapi/v3');
  const paths = isObject(discovery.paths) ? discovery.paths : {};
  const documents: JsonObject[] = [];
  for (const name of Object.keys(paths).sort()) {
    // Group versions only: `api/v1`, `apis/<group>/<version>`; not `apis/<group>` nor `version`, `logs` …
    if (name !== 'api/v1' && !/^apis\/[^/]+\/[^/]+$/.test(name)) continue;
    const entry = paths[name];
    const url = isObject(entry) && typeof entry.serverRelativeURL === 'string' ? entry.serverRelativeURL : `/openapi/v3/${name}`;
    documents.push(await get(url));
  }
  const crds = await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  const customGroups = new Set(
    (Array.isArray(crds.items) ? crds.items : []).flatMap((crd) =>
      isObject(crd) && isObject(crd.spec) && typeof crd.spec.group === 'string' ? [crd.spec.group] : [],
    ),
  );
  return compactOpenApi(kubeVersion, documents, customGroups);
}

/** `{ major: "1", minor: "34" }` (minor may read `34+` on some distributions) → `1.34`. */
export function minorOf(version: JsonObject): string {
  const major = String(version.major ?? '').replace(/\D/g, '');
  const minor = String(version.minor ?? '').replace(/\D/g, '');
  if (!major || !minor) throw new Error(`the server's /version has no major/minor: ${JSON.stringify(version)}`);
  return `${major}.${minor}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
