/**
 * The shipped schema bundles (`schemas/kube-1.NN.json.gz` at the package root, written by
 * `npm run schemas:dump`): read, gunzipped and parsed once per version per process.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GitfedError } from '../model/diagnostic.ts';
import type { SchemaBundle } from '../validate/schema-bundle.ts';
import { schemasOf, type Schemas } from '../validate/validate-render.ts';

/** The package's `schemas/` folder, the same from src/ and from dist/. */
export const schemasDir = new URL('../../schemas/', import.meta.url);

/** The minor release the lab runs (lab/build-binaries.sh), the default of `--kube-version`; a unit test keeps them equal. */
export const defaultKubeVersion = '1.34';

const cache = new Map<string, Promise<SchemaBundle>>();

export function bundleFile(kubeVersion: string): URL {
  return new URL(`kube-${kubeVersion}.json.gz`, schemasDir);
}

/** The Kubernetes minor versions bundles are shipped for, sorted (`1.34`). */
export async function shippedKubeVersions(): Promise<string[]> {
  const names = await readdir(schemasDir).catch(() => [] as string[]);
  return names
    .flatMap((name) => /^kube-(\d+\.\d+)\.json\.gz$/.exec(name)?.slice(1) ?? [])
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

export function readSchemaBundle(kubeVersion: string): Promise<SchemaBundle> {
  let pending = cache.get(kubeVersion);
  if (!pending) {
    pending = (async () => {
      const bytes = await readFile(bundleFile(kubeVersion)).catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        const shipped = await shippedKubeVersions();
        throw new GitfedError('UsageError', `no schemas are shipped for Kubernetes ${kubeVersion}; --kube-version takes one of ${shipped.join(', ') || '(none)'}, or use --live`);
      });
      return JSON.parse(gunzipSync(bytes).toString('utf8')) as SchemaBundle;
    })();
    cache.set(kubeVersion, pending);
  }
  return pending;
}

/** The bytes a bundle is shipped as: JSON (keys already sorted), gzip level 9; gzip writes no time stamp here. */
export function encodeSchemaBundle(bundle: SchemaBundle): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(bundle)), { level: 9 });
}

export async function writeSchemaBundle(bundle: SchemaBundle): Promise<URL> {
  const file = bundleFile(bundle.kubeVersion);
  await writeFile(file, encodeSchemaBundle(bundle));
  return file;
}

const converted = new Map<string, Promise<Schemas>>();

/** A shipped bundle ready to validate with, converted once per process (the daemon validates every pass). */
export function shippedSchemas(kubeVersion: string): Promise<Schemas> {
  let schemas = converted.get(kubeVersion);
  if (!schemas) converted.set(kubeVersion, (schemas = readSchemaBundle(kubeVersion).then((bundle) => schemasOf(bundle))));
  return schemas;
}
