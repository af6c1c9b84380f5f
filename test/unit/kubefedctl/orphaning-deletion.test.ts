import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { locateFederatedObject, orphaningStatus, setOrphaning } from '../../../src/kubefedctl/orphaning.ts';
import { runCli } from '../../support/run-cli.ts';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Enables then disables orphaning of the object in `text` (one file), returning both texts. */
function roundTrip(text: string, query = { type: 'FederatedDeployment', name: 'web', namespace: 'shop' }) {
  const files = new Map([['app.yaml', text]]);
  const located = locateFederatedObject(files, query);
  const enabled = setOrphaning('app.yaml', text, located, true);
  const again = locateFederatedObject(new Map([['app.yaml', enabled]]), query);
  const disabled = setOrphaning('app.yaml', enabled, again, false);
  return { enabled, disabled, enabledValue: again.value };
}

const commented = `# The shop's web tier.
# Owned by team shop.

apiVersion: types.kubefed.io/v1beta1   # KubeFed's group
kind: FederatedDeployment
metadata:
  name: web        # aligned comment
  namespace: shop
  labels: {tier: web, "quoted": 'single'}

spec:
  # placement first, on purpose
  placement:
    clusters:
      - name: member1   # eu
      - name: member2
  template:
    spec:
      replicas: 3
      template:
        spec:
          containers:
          - name: web
            image: "registry.example.com/web:1.0"
            args: [--port, "8080"]
`;

describe('orphaning-deletion edits in place', () => {
  it('adds the annotation under metadata and removes it again, leaving every other byte as it was', () => {
    const { enabled, disabled } = roundTrip(commented);
    expect(enabled).toBe(commented.replace(`  labels: {tier: web, "quoted": 'single'}\n`, `  labels: {tier: web, "quoted": 'single'}\n  annotations:\n    kubefed.io/orphan: "true"\n`));
    expect(disabled).toBe(commented);
  });

  it('adds to an existing block of annotations at its indentation, keeping its comments', () => {
    const text = `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
    name: web
    namespace: shop
    annotations:
        # who to call
        owner: "team-shop"   # keep me
        note: >-
          folded
          text
spec: {}
`;
    const { enabled, disabled } = roundTrip(text);
    expect(enabled).toBe(text.replace('          text\n', '          text\n        kubefed.io/orphan: "true"\n'));
    expect(disabled).toBe(text);
  });

  it('writes into flow-style annotations, empty or not', () => {
    const expected: Record<string, string> = {
      '{}': '{kubefed.io/orphan: "true"}',
      '{a: b}': '{a: b, kubefed.io/orphan: "true"}',
      '{ a: b, c: "d" }': '{ a: b, c: "d", kubefed.io/orphan: "true" }',
    };
    for (const [annotations, written] of Object.entries(expected)) {
      const text = `kind: FederatedDeployment\napiVersion: types.kubefed.io/v1beta1\nmetadata:\n  name: web\n  namespace: shop\n  annotations: ${annotations}\nspec: {}\n`;
      const { enabled, disabled, enabledValue } = roundTrip(text);
      expect(orphaningStatus(enabledValue)).toBe('Enabled');
      expect(enabled).toBe(text.replace(annotations, written));
      expect(disabled).toBe(text);
    }
  });

  it('round-trips flow-style metadata too', () => {
    for (const metadata of ['{name: web, namespace: shop}', '{ name: web, namespace: shop, annotations: {a: b} }']) {
      const text = `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\nmetadata: ${metadata}\nspec: {}\n`;
      const { enabled, disabled, enabledValue } = roundTrip(text);
      expect(orphaningStatus(enabledValue)).toBe('Enabled');
      expect(enabled).toContain('kubefed.io/orphan: "true"}');
      expect(disabled).toBe(text);
    }
  });

  it('replaces another value of the annotation, and disable removes it whatever it says', () => {
    const text = `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    kubefed.io/orphan: "false"\n    other: x\nspec: {}\n`;
    const located = locateFederatedObject(new Map([['a.yaml', text]]), { type: 'federateddeployments', name: 'web' });
    expect(orphaningStatus(located.value)).toBe('Disabled');
    const enabled = setOrphaning('a.yaml', text, located, true);
    expect(enabled).toBe(text.replace('"false"', '"true"'));
    const disabled = setOrphaning('a.yaml', text, located, false);
    expect(disabled).toBe(text.replace('    kubefed.io/orphan: "false"\n', ''));
  });

  it('is a no-op when the state is already the wanted one', () => {
    const { enabled } = roundTrip(commented);
    const located = locateFederatedObject(new Map([['app.yaml', enabled]]), { type: 'FederatedDeployment', name: 'web' });
    expect(setOrphaning('app.yaml', enabled, located, true)).toBe(enabled);
    const plain = locateFederatedObject(new Map([['app.yaml', commented]]), { type: 'FederatedDeployment', name: 'web' });
    expect(setOrphaning('app.yaml', commented, plain, false)).toBe(commented);
  });

  it('touches only the named document of a multi-document file', () => {
    const other = `# first\napiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\nmetadata:\n  name: web\n  namespace: shop\nspec: {}\n`;
    const text = `${other}---\n${commented}...\n---\n${other}`;
    const { enabled, disabled } = roundTrip(text);
    expect(enabled.startsWith(`${other}---\n`)).toBe(true);
    expect(enabled.endsWith(`...\n---\n${other}`)).toBe(true);
    expect(disabled).toBe(text);
  });

  // Every combination of layout: indentation, CRLF line ends, a final newline or not, where the annotations are,
  // comments, and neighbouring documents. enable must read back as Enabled, disable must restore the bytes.
  const layouts = cartesian({
    indent: [2, 4],
    eol: ['\n', '\r\n'],
    finalNewline: [true, false],
    annotations: ['absent', 'block', 'flow-empty', 'flow', 'last-key'],
    comments: [false, true],
    neighbours: [false, true],
  });
  it.each(layouts.map((layout) => [JSON.stringify(layout), layout] as const))('round-trips byte for byte: %s', (_, layout) => {
    const text = layoutText(layout);
    const { enabled, disabled, enabledValue } = roundTrip(text);
    expect(orphaningStatus(enabledValue)).toBe('Enabled');
    expect(parseAllDocuments(enabled).every((doc) => doc.errors.length === 0)).toBe(true);
    if (layout.eol === '\r\n') expect(enabled.replace(/\r\n/g, '')).not.toContain('\n');
    expect(disabled).toBe(text);
  });

  it('asks for -n when several namespaces hold the name, and names them', () => {
    const doc = (ns: string) => `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\nmetadata: {name: web, namespace: ${ns}}\nspec: {}\n`;
    const files = new Map([['a.yaml', doc('shop')], ['b.yaml', doc('blog')]]);
    expect(() => locateFederatedObject(files, { type: 'FederatedDeployment', name: 'web' })).toThrow(
      'FederatedDeployment "web" matches 2 documents: a.yaml:1 (FederatedDeployment/shop/web), b.yaml:1 (FederatedDeployment/blog/web); pass -n NAMESPACE or a more precise type',
    );
    expect(locateFederatedObject(files, { type: 'FederatedDeployment', name: 'web', namespace: 'blog' }).file).toBe('b.yaml');
    expect(() => locateFederatedObject(files, { type: 'FederatedDeployment', name: 'web', namespace: 'x' })).toThrow('no FederatedDeployment "web" in namespace "x" in the repository');
  });

  it('names the list document holding the object instead of editing inside it or saying it is missing', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: types.kubefed.io/v1beta1\n  kind: FederatedConfigMap\n  metadata: {name: other, namespace: shop}\n- apiVersion: types.kubefed.io/v1beta1\n  kind: FederatedDeployment\n  metadata: {name: web, namespace: shop}\n`;
    const files = new Map([['apps.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${list}`]]);
    expect(() => locateFederatedObject(files, { type: 'FederatedDeployment', name: 'web' })).toThrow(
      'the object is item 1 of the list document at apps.yaml:5; gitfed edits only objects that are documents of their own: move it out of the list first',
    );
    // A typed list's items name their kind through the list.
    const typed = new Map([['apps.yaml', 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeploymentList\nitems:\n- metadata: {name: web, namespace: shop}\n']]);
    expect(() => locateFederatedObject(typed, { type: 'FederatedDeployment', name: 'web' })).toThrow('item 0 of the list document at apps.yaml:1');
  });
});

describe('gitfed orphaning-deletion', () => {
  it('enables, reports and disables through the CLI, and the file comes back byte for byte', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'gitfed-orphan-'));
    temporary.push(repo);
    const file = path.join(repo, 'app.yaml');
    await writeFile(file, commented);

    expect(await runCli('orphaning-deletion', 'status', 'FederatedDeployment', 'web', '-n', 'shop', '--repo', repo)).toEqual({ code: 0, stdout: 'Disabled\n', stderr: '' });
    const enable = await runCli('orphaning-deletion', 'enable', 'federateddeployments.types.kubefed.io', 'web', '-n', 'shop', '--repo', repo);
    expect(enable).toEqual({ code: 0, stdout: 'FederatedDeployment/shop/web: orphaning deletion enabled in app.yaml:4\n', stderr: '' });
    expect(await readFile(file, 'utf8')).toContain('  annotations:\n    kubefed.io/orphan: "true"\n');
    expect((await runCli('orphaning-deletion', 'status', 'FederatedDeployment', 'web', '--repo', repo)).stdout).toBe('Enabled\n');
    expect((await runCli('orphaning-deletion', 'enable', 'FederatedDeployment', 'web', '--repo', repo)).stdout).toContain('already enabled');
    await runCli('orphaning-deletion', 'disable', 'FederatedDeployment', 'web', '--repo', repo);
    expect(await readFile(file, 'utf8')).toBe(commented);
  });

  it('fails with a usage error for an object that is not in the repository', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'gitfed-orphan-'));
    temporary.push(repo);
    const { code, stderr } = await runCli('orphaning-deletion', 'status', 'FederatedDeployment', 'nope', '--repo', repo);
    expect(code).toBe(2);
    expect(stderr).toBe('error UsageError no FederatedDeployment "nope" in the repository\n');
  });

  it('warns about a type that is not a Federated kind of types.kubefed.io, as KubeFed did', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'gitfed-orphan-'));
    temporary.push(repo);
    await writeFile(path.join(repo, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n');
    const { code, stdout, stderr } = await runCli('orphaning-deletion', 'status', 'configmap', 'c', '--repo', repo);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'Disabled\n', stderr: 'warning ConfigMap (v1) is not a Federated<Kind> of types.kubefed.io\n' });
  });
});

interface Layout {
  indent: number;
  eol: string;
  finalNewline: boolean;
  annotations: string;
  comments: boolean;
  neighbours: boolean;
}

function layoutText(layout: Layout): string {
  const pad = ' '.repeat(layout.indent);
  const c = (text: string) => (layout.comments ? `   # ${text}` : '');
  const annotations: Record<string, string[]> = {
    absent: [],
    block: [`${pad}annotations:${c('notes')}`, `${pad}${pad}team: shop${c('owner')}`, `${pad}${pad}"quoted/key": 'v'`],
    'flow-empty': [`${pad}annotations: {}`],
    flow: [`${pad}annotations: {team: shop}${c('owner')}`],
    'last-key': [],
  };
  const meta = [
    `metadata:${c('meta')}`,
    ...(layout.comments ? [`${pad}# the name`] : []),
    `${pad}name: web${c('name')}`,
    ...(layout.annotations === 'last-key' ? [] : [`${pad}namespace: shop`]),
    ...annotations[layout.annotations]!,
    ...(layout.annotations === 'last-key' ? [`${pad}labels:`, `${pad}${pad}a: b`, `${pad}namespace: shop`] : []),
  ];
  const doc = [
    ...(layout.comments ? ['# head comment', ''] : []),
    'apiVersion: types.kubefed.io/v1beta1',
    'kind: FederatedDeployment',
    ...meta,
    ...(layout.comments ? ['', '# spec follows'] : []),
    'spec:',
    `${pad}template: {}`,
  ];
  const neighbour = ['apiVersion: types.kubefed.io/v1beta1', 'kind: FederatedConfigMap', 'metadata: {name: web, namespace: shop}'];
  const lines = layout.neighbours ? [...neighbour, '---', ...doc, '---', ...neighbour] : doc;
  return lines.join(layout.eol) + (layout.finalNewline ? layout.eol : '');
}

function cartesian<T extends Record<string, readonly unknown[]>>(axes: T): { [K in keyof T]: T[K][number] }[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(axes)) combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  return combos as { [K in keyof T]: T[K][number] }[];
}
