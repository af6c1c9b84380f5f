/**
 * Writes `schemas/kube-<minor>.json.gz` from a running lab member's `/openapi/v3` (never hand-written schemas):
 *
 *   npm run schemas:dump -- --lab-dir /tmp/lab [--member member1]
 *
 * The lab's kube-apiserver is built from Kubernetes' Go modules (lab/build-binaries.sh; GITFED_KUBE_VERSION picks
 * another release), and a running server publishes enums that the documents checked into the Kubernetes module do
 * not carry. test/e2e/schema-bundle.test.ts checks the shipped bundle still equals what the lab serves.
 */
import { parseArgs } from 'node:util';
import { writeSchemaBundle } from '../src/source/schema-bundles.ts';
import { readServerSchemas } from '../src/validate/read-openapi.ts';
import { labGetJson } from '../src/lab/lab-get-json.ts';

const { values } = parseArgs({ options: { 'lab-dir': { type: 'string' }, member: { type: 'string', default: 'member1' } } });
if (!values['lab-dir']) throw new Error('--lab-dir <dir> names a running lab (gitfed lab up --dir <dir>)');
const bundle = await readServerSchemas(await labGetJson(values['lab-dir'], values.member));
const file = await writeSchemaBundle(bundle);
process.stdout.write(`${file.pathname}: Kubernetes ${bundle.kubeVersion}, ${Object.keys(bundle.kinds).length} kinds, ${Object.keys(bundle.schemas).length} schemas\n`);
