import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { buildReport, type ReportPlacement, type ReportResource, type StatusReport } from '../../../src/report/build-report.ts';
import { cellMark, escapeMarkdown, formatReportMarkdown } from '../../../src/report/format-report-markdown.ts';
import { formatReportYaml, formatYaml, yamlOptions } from '../../../src/report/format-report-yaml.ts';
import { goodRevision, quickstartInput } from './report-inputs.ts';

function emptyReport(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    apiVersion: 'gitfed.io/v1alpha1',
    kind: 'StatusReport',
    source: { revision: goodRevision },
    summary: { clusters: 0, clustersReady: 0, objects: 0, current: 0, propagationErrors: 0, errors: 0, warnings: 0 },
    clusters: [],
    resources: [],
    replicaSplits: [],
    drift: [],
    pruning: [],
    errors: [],
    warnings: [],
    ...overrides,
  };
}

const counts = { objects: 0, Current: 0, Failed: 0, InProgress: 0, NotFound: 0, Terminating: 0, Unknown: 0, errors: 0 };

/** Table cells split on unescaped pipes. */
function cellsOf(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  const table: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) table.push(line);
    else if (table.length > 0) break;
  }
  return table;
}

describe('formatReportMarkdown', () => {
  it('opens with the one-line summary', async () => {
    const markdown = formatReportMarkdown(buildReport(await quickstartInput()));
    expect(markdown.split('\n')[0]).toBe(
      '**gitfed** revision 3f2a9c1d8e7b · clusters ready 2/3 · objects Current 18/28 · 8 propagation errors · 1 error · 0 warnings',
    );
  });

  it('puts one row per member object and one column per cluster in the matrix', async () => {
    const report = buildReport(await quickstartInput());
    const table = tableAfter(formatReportMarkdown(report), '## Objects');
    expect(table).toHaveLength(2 + report.resources.length);
    for (const line of table) expect(cellsOf(line)).toHaveLength(2 + report.clusters.length);
    expect(cellsOf(table[0] ?? '')).toEqual(['Federated object', 'Object', 'member1', 'member2', 'member3 ⛔']);
    expect(table).toContain('| FederatedDeployment/shop/api | Deployment/shop/api | ✅ 3/3 | ❌ 0/1 | ⛔ |');
  });

  it('marks each state with its own sign', () => {
    const cell = (propagation: ReportPlacement['propagation'], health: ReportPlacement['health']): ReportPlacement => ({ name: 'a', propagation, health });
    expect(cellMark(undefined, true)).toBe('∅');
    expect(cellMark(cell('ClusterPropagationOK', 'Current'), false)).toBe('⛔');
    expect(cellMark(cell('ClientRetrievalFailed', 'Unknown'), true)).toBe('⛔');
    expect(cellMark(cell('ApplyOverridesFailed', 'Unknown'), true)).toBe('❌');
    expect(cellMark(cell('PropagationUnknown', 'Unknown'), true)).toBe('❔');
    expect(cellMark(cell('ClusterPropagationOK', 'Current'), true)).toBe('✅');
    expect(cellMark(cell('ClusterPropagationOK', 'InProgress'), true)).toBe('⏳');
    expect(cellMark(cell('ClusterPropagationOK', 'Failed'), true)).toBe('❌');
    expect(cellMark(cell('ClusterPropagationOK', 'Terminating'), true)).toBe('🗑');
    expect(cellMark(cell('ClusterPropagationOK', 'NotFound'), true)).toBe('⚠️');
    expect(cellMark(cell('ClusterPropagationOK', 'Unknown'), true)).toBe('❔');
  });

  it('escapes pipes, emphasis, code, links and HTML in names and messages', () => {
    const nasty = 'a | b *bold* _it_ `code` [link](http://x) <img src=x onerror=alert(1)> & ~~gone~~ #1\nnext | line';
    const report = emptyReport({
      clusters: [{ name: 'c|1', ready: true, message: nasty, counts }],
      resources: [{ kind: 'ConfigMap', namespace: 'n', name: 'x|y', federatedObject: 'FederatedConfigMap/n/x|y', clusters: [{ name: 'c|1', propagation: 'UpdateFailed', health: 'Current', message: nasty }] }],
      errors: [{ code: 'SchemaInvalid', message: nasty, file: 'dir|x/a_b.yaml', line: 3 }],
    });
    const markdown = formatReportMarkdown(report);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('*bold*');
    expect(markdown).not.toContain('`code`');
    expect(markdown).toContain('a \\| b \\*bold\\* \\_it\\_ \\`code\\` \\[link\\](http://x) &lt;img src=x onerror=alert(1)&gt; &amp; \\~\\~gone\\~\\~ \\#1 next \\| line');
    expect(markdown).toContain('- dir\\|x/a\\_b.yaml:3 **SchemaInvalid**');
    for (const heading of ['## Objects', '## Clusters']) {
      const table = tableAfter(markdown, heading);
      const width = cellsOf(table[0] ?? '').length;
      for (const line of table) expect(cellsOf(line)).toHaveLength(width);
    }
    // Line breaks inside a message became spaces: the message shows whole on its three lines (cluster table,
    // needs attention, errors) and never starts a line of its own.
    expect(markdown.split('\n').filter((line) => line.includes('next'))).toHaveLength(3);
    expect(markdown).not.toMatch(/^next/m);
    expect(escapeMarkdown('web-config.yaml (v1.2)')).toBe('web-config.yaml (v1.2)');
  });

  it('cuts a matrix over 500 rows and says so', () => {
    const resources: ReportResource[] = Array.from({ length: 612 }, (_, i) => ({
      kind: 'ConfigMap',
      namespace: 'shop',
      name: `cm-${String(i).padStart(4, '0')}`,
      federatedObject: `FederatedConfigMap/shop/cm-${String(i).padStart(4, '0')}`,
      clusters: [{ name: 'a', propagation: 'ClusterPropagationOK', health: 'InProgress', message: 'waiting' }],
    }));
    const report = emptyReport({ clusters: [{ name: 'a', ready: true, counts }], resources });
    const markdown = formatReportMarkdown(report);
    expect(tableAfter(markdown, '## Objects')).toHaveLength(2 + 500);
    expect(markdown).toContain('_Showing the first 500 of 612 objects; report.yaml lists them all._');
    expect(markdown).toContain('_Showing the first 500 of 612 entries; report.yaml lists them all._');
    expect(markdown).not.toContain('cm-0500');
    expect(markdown.length).toBeLessThan(120_000);

    const small = formatReportMarkdown(report, { maxRows: 10 });
    expect(tableAfter(small, '## Objects')).toHaveLength(12);
    expect(small).toContain('_Showing the first 10 of 612 objects; report.yaml lists them all._');
  });

  it('says plainly when there is nothing to show', () => {
    const markdown = formatReportMarkdown(emptyReport({ source: { revision: null } }));
    expect(markdown).toContain('**gitfed** revision (none)');
    expect(markdown).toContain('Nothing is placed on any cluster.');
    expect(markdown).toContain('No drift corrected in this pass.');
    expect(markdown).toContain('No errors.');
    expect(markdown).not.toContain('[!CAUTION]');
  });
});

describe('formatReportYaml', () => {
  it('round-trips to the same report', async () => {
    const report = buildReport(await quickstartInput());
    expect(parse(formatReportYaml(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('never wraps a long message and never writes anchors for repeated parts', () => {
    const shared = { name: 'a', propagation: 'UpdateFailed' as const, health: 'Current' as const, message: 'word '.repeat(60).trim() };
    const report = emptyReport({
      resources: [
        { kind: 'ConfigMap', name: 'one', federatedObject: 'FederatedConfigMap/one', clusters: [shared] },
        { kind: 'ConfigMap', name: 'two', federatedObject: 'FederatedConfigMap/two', clusters: [shared] },
      ],
    });
    const yaml = formatReportYaml(report);
    expect(yaml).toContain(`message: ${shared.message}\n`);
    expect(yaml).not.toMatch(/[&*]a\d/);
  });

  it('quotes names a YAML 1.1 reader would take for booleans', () => {
    const report = emptyReport({ clusters: [{ name: 'no', ready: true, counts }] });
    expect(formatReportYaml(report)).toContain('- name: "no"\n');
  });

  it('writes keys in a fixed order', () => {
    const yaml = formatReportYaml(emptyReport());
    expect(yaml.split('\n').filter((line) => /^\w/.test(line)).map((line) => line.split(':')[0])).toEqual([
      'apiVersion', 'kind', 'source', 'summary', 'clusters', 'resources', 'replicaSplits', 'drift', 'pruning', 'errors', 'warnings',
    ]);
  });
});

describe('formatYaml (the writer behind report.yaml)', () => {
  // Strings that need quoting in one YAML version or another, and the characters that decide it.
  const tricky = ['', 'no', 'Yes', 'on', 'OFF', 'y', 'null', '~', '0123', '1e3', '1:20', '0x1F', '.inf', '-', '- a', '? x', 'a: b', 'a #b', '#c', "it's", '"q"', '@x', '`x`', '[a]', '{a}', '*a', '&a', '!t', '%p', '|', '>', ' lead', 'trail ', 'ünï', '🙂'];
  const text = fc.oneof(
    fc.constantFrom(...tricky),
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '-', '.', '/', '_', ':', ' ', '#', "'", '"', ',', '[', '{', '&', '*', '!', '?', '\t', 'é', '\\') }),
  );
  const value = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
    list: fc.array(tie('any'), { maxLength: 4 }),
    map: fc.dictionary(text, tie('any'), { maxKeys: 4 }),
  })).any;

  it('writes what the yaml library writes with the report options, byte for byte, for any JSON-shaped value without line breaks', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(formatYaml(input)).toBe(stringify(input, yamlOptions));
      }),
      { numRuns: 500 },
    );
  });

  it('writes one object met at several places (a shared report cell) right at each of them', () => {
    fc.assert(
      fc.property(fc.dictionary(text, text, { minKeys: 1, maxKeys: 3 }), (leaf) => {
        const input = { a: [leaf, leaf, { deeper: [leaf] }], b: leaf, c: { d: leaf, e: [[leaf]] } };
        expect(formatYaml(input)).toBe(stringify(input, yamlOptions));
      }),
      { numRuns: 200 },
    );
  });

  it('writes a string with a line break double-quoted on one line, and it reads back the same', () => {
    const input = { message: 'first\nsecond', list: ['a\r\nb'] };
    const yaml = formatYaml(input);
    expect(yaml.split('\n').filter((line) => line !== '')).toHaveLength(3);
    expect(parse(yaml)).toEqual(input);
  });
});
