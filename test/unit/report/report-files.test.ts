/**
 * The report folder at fleet scale: 50 members × 10,000 member objects (500,000 cells) through the pure builder
 * and formatters. README.md stays under 1 MB and opens with what needs attention; the detail pages are bounded
 * and every link resolves to a file of the output; the same input gives the same bytes; no Secret value anywhere.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type StatusReport } from '../../../src/report/build-report.ts';
import { defaultPageBytes } from '../../../src/report/format-report-details.ts';
import { defaultReadmeBytes, formatReportFiles, reportDetailsFolder } from '../../../src/report/report-files.ts';
import { clusterName, largeReportInput, largeReportSecret, largeReportSize } from '../../support/large-report-input.ts';
import { quickstartInput } from './report-inputs.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Relative Markdown link targets of a page, resolved against its folder. */
function linksOf(path: string, text: string): string[] {
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => normalise(`${folder}${target}`));
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') out.pop();
    else if (segment !== '.') out.push(segment);
  }
  return out.join('/');
}

describe('the report folder for 50 members × 10,000 objects', () => {
  // Built once: half a million cells take seconds, the assertions below read the same output.
  let report: StatusReport;
  let files: Map<string, string>;
  const built = () => {
    report ??= buildReport(largeReportInput());
    files ??= formatReportFiles(report);
    return { report, files };
  };

  it('holds every cell in report.yaml, and README.md under 1 MB', { timeout: 120_000 }, () => {
    const { report, files } = built();
    expect(report.summary.objects).toBe(largeReportSize.clusters * largeReportSize.objects);
    expect(report.resources).toHaveLength(largeReportSize.objects);
    const readme = files.get('README.md') ?? '';
    expect(readme.length).toBeGreaterThan(0);
    expect(bytes(readme)).toBeLessThanOrEqual(defaultReadmeBytes);
    expect(bytes(readme)).toBeLessThan(1024 * 1024);
    expect(files.get('report.yaml')?.split('\n- ').length ?? 0).toBeGreaterThan(0);
    expect(files.get('report.yaml')).toContain(`      - name: ${clusterName(0)}\n`);
  });

  it('opens README.md with what needs attention: the failed steps, the clusters with trouble first, then the problem cells', { timeout: 120_000 }, () => {
    const readme = built().files.get('README.md') ?? '';
    const headings = readme.split('\n').filter((line) => line.startsWith('#'));
    expect(headings.slice(0, 4)).toEqual(['### Steps that did not finish', '## Clusters', '## Needs attention', '## Objects']);
    const clusterRows = readme.split('## Clusters')[1]!.split('\n## ')[0]!.split('\n').filter((line) => line.startsWith('| member-'));
    expect(clusterRows).toHaveLength(largeReportSize.clusters);
    // Not ready first, then the member whose prune failed, then those with objects not propagated.
    expect(clusterRows[0]).toMatch(/^\| member-49 \| ⛔ no \|/);
    expect(clusterRows[1]).toMatch(/^\| member-07 \| yes \|/);
    const attention = readme.split('## Needs attention')[1]!.split('## Objects')[0]!.split('\n').filter((line) => line.startsWith('- '));
    expect(attention.length).toBeGreaterThan(0);
    // Problems first: the marks never go back from ⏳/❔ to ❌; here the 500 shown are all ❌ of many more.
    const rank = (line: string) => ['- ❌', '- ⚠️', '- 🗑', '- ⏳', '- ❔'].findIndex((mark) => line.startsWith(mark));
    const ranks = attention.map(rank);
    expect(ranks.every((value, i) => value >= 0 && (i === 0 || value >= ranks[i - 1]!))).toBe(true);
    expect(attention[0]).toMatch(/^- ❌ /);
    const shown = /_Showing the first (\d+) of (\d+) entries; the namespace pages list them all\._/.exec(readme);
    expect(Number(shown?.[2])).toBeGreaterThan(Number(shown?.[1]));
    const inPages = [...built().files].filter(([path]) => path.startsWith('details/team-')).flatMap(([, text]) => text.split('\n').filter((line) => line.startsWith('- ')));
    expect(inPages).toHaveLength(Number(shown?.[2]));
    expect(inPages.some((line) => line.startsWith('- ⏳'))).toBe(true);
    expect(readme).toContain('the namespace pages list them all');
  });

  it('puts the matrix on bounded pages, one namespace each, that every link reaches', { timeout: 120_000 }, () => {
    const { files } = built();
    const pages = [...files.keys()].filter((path) => path.startsWith(`${reportDetailsFolder}/`));
    expect(pages.length).toBeGreaterThan(largeReportSize.namespaces);
    for (const path of pages) expect(bytes(files.get(path)!), path).toBeLessThanOrEqual(defaultPageBytes);
    const rows = pages.filter((path) => !path.includes('_index')).flatMap((path) => files.get(path)!.split('\n').filter((line) => line.startsWith('| Federated object |')));
    expect(rows).toHaveLength(pages.filter((path) => !path.includes('_index')).length);
    const objectRows = pages.reduce((sum, path) => sum + files.get(path)!.split('\n').filter((line) => /^\| Federated\w+\/team-/.test(line)).length, 0);
    expect(objectRows).toBe(largeReportSize.objects);

    const links = [...files].flatMap(([path, text]) => linksOf(path, text).map((target) => ({ path, target })));
    expect(links.length).toBeGreaterThan(pages.length);
    for (const { path, target } of links) expect(files.has(target), `${path} links to ${target}`).toBe(true);
    // Every page is reachable from README.md, through its table or the index.
    const reached = new Set(links.filter(({ path }) => path === 'README.md' || path.includes('_index')).map(({ target }) => target));
    for (const path of pages) expect(reached.has(path), path).toBe(true);
  });

  it('splits a namespace too large for one page into parts linked to each other', { timeout: 120_000 }, () => {
    const input = largeReportInput({ clusters: 50, objects: 4_000, namespaces: 2 });
    const files = formatReportFiles(buildReport(input));
    const parts = [...files.keys()].filter((path) => path.startsWith('details/team-000'));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts).toContain('details/team-000_2.md');
    for (const path of parts) expect(bytes(files.get(path)!)).toBeLessThanOrEqual(defaultPageBytes);
    expect(files.get('details/team-000.md')).toContain('[next ›](team-000_2.md)');
    expect(files.get('details/team-000_2.md')).toContain('[‹ previous](team-000.md)');
  });

  it('gives the same files, byte for byte, for the same input, and keeps every Secret value out', { timeout: 120_000 }, () => {
    const { files } = built();
    const again = formatReportFiles(buildReport(largeReportInput()));
    expect([...again.keys()]).toEqual([...files.keys()]);
    for (const [path, text] of files) expect(again.get(path) === text, path).toBe(true);
    const encoded = Buffer.from(largeReportSecret).toString('base64');
    for (const [path, text] of files) {
      expect(text.includes(largeReportSecret), path).toBe(false);
      expect(text.includes(encoded), path).toBe(false);
    }
  });

  it('keeps a small report on one page: README.md and report.yaml, the matrix inline, no details folder', async () => {
    const files = formatReportFiles(buildReport(await quickstartInput()));
    expect([...files.keys()]).toEqual(['report.yaml', 'README.md']);
    expect(files.get('README.md')).toContain('| Federated object | Object |');
  });
});
