/**
 * Detail pages of the status report, for a fleet too large for one page: the matrix of member objects, one page
 * per namespace (cluster-scoped objects on `_cluster.md`), under `details/` beside README.md. Pure.
 *
 * - A page is at most `pageBytes` (default {@link defaultPageBytes}); a namespace whose rows do not fit is split
 *   into parts (`team-a.md`, `team-a_2.md`, …), each with links to the summary and to the part before and after.
 *   A namespace's change rewrites only its own pages, so a report commit touches few files.
 * - File names: a valid namespace name as it is; anything else `_` + the hex of its UTF-8 bytes. Namespace names
 *   never hold `_`, so parts (`_2`), `_cluster` and `_index` never collide with a namespace.
 * - Each page opens with what needs attention on it, then the matrix (same marks as README.md).
 * - `_index.md` (split the same way) lists every page, for when README.md shows only the first namespaces.
 */
import { escapeMarkdown } from '../model/markdown-text.ts';
import type { ReportResource, StatusReport } from './build-report.ts';
import { attentionLines, legendLine, matrixHeader, matrixRow } from './format-report-markdown.ts';

/** The folder under the report folder that holds the detail pages; its content is replaced as a whole. */
export const reportDetailsFolder = 'details';

export const defaultPageBytes = 256 * 1024;

export interface DetailPage {
  /** Relative to the report folder: `details/team-a_2.md`. */
  path: string;
  /** The namespace, or '' for cluster-scoped objects. */
  namespace: string;
  part: number;
  parts: number;
  objects: number;
  attention: number;
}

export interface DetailPages {
  pages: DetailPage[];
  /** Path → text, the index pages included. */
  files: Map<string, string>;
  /** The first index page. */
  index: string;
}

export function formatReportDetails(report: StatusReport, options: { pageBytes?: number } = {}): DetailPages {
  const pageBytes = Math.max(4096, options.pageBytes ?? defaultPageBytes);
  const ready = new Map(report.clusters.map((cluster) => [cluster.name, cluster.ready]));
  const header = matrixHeader(report);
  const files = new Map<string, string>();
  const pages: DetailPage[] = [];
  for (const [namespace, resources] of byNamespace(report.resources)) {
    const chunks: { rows: string[]; attention: string[]; objects: number }[] = [];
    let chunk = { rows: [] as string[], attention: [] as string[], objects: 0 };
    let bytes = 0;
    for (const resource of resources) {
      const row = matrixRow(report, resource, ready);
      const attention = attentionLines(resource, ready);
      const size = byteLength(row) + attention.reduce((sum, line) => sum + byteLength(line) + 1, 1);
      // Room for the page's header, table head and footer: 2 KiB and the table head.
      if (chunk.objects > 0 && bytes + size > pageBytes - 2048 - byteLength(header.join('\n'))) {
        chunks.push(chunk);
        chunk = { rows: [], attention: [], objects: 0 };
        bytes = 0;
      }
      chunk.rows.push(row);
      chunk.attention.push(...attention);
      chunk.objects += 1;
      bytes += size;
    }
    chunks.push(chunk);
    const paths = chunks.map((_, i) => pagePath(namespace, i + 1));
    chunks.forEach((part, i) => {
      const page: DetailPage = { path: paths[i]!, namespace, part: i + 1, parts: chunks.length, objects: part.objects, attention: part.attention.length };
      pages.push(page);
      const title = namespace === '' ? 'cluster-scoped objects' : `namespace ${escapeMarkdown(namespace)}`;
      const lines = [navigation(`**gitfed** status › ${title}`, paths, i), '', `${plural(part.objects, 'object')}; ${plural(part.attention.length, 'cell')} need attention.`, ''];
      if (part.attention.length > 0) lines.push('## Needs attention', '', ...part.attention, '');
      lines.push('## Objects', '', ...header, ...part.rows, '', legendLine(), '');
      files.set(page.path, `${lines.join('\n').trimEnd()}\n`);
    });
  }
  const index = indexPages(pages, pageBytes);
  for (const [path, text] of index) files.set(path, text);
  return { pages, files, index: `${reportDetailsFolder}/_index.md` };
}

/** Resources by namespace (a Namespace object goes with its own namespace), namespaces sorted, report order inside. */
function byNamespace(resources: readonly ReportResource[]): Map<string, ReportResource[]> {
  const groups = new Map<string, ReportResource[]>();
  for (const resource of resources) {
    const namespace = resource.kind === 'Namespace' ? resource.name : (resource.namespace ?? '');
    const group = groups.get(namespace);
    if (group) group.push(resource);
    else groups.set(namespace, [resource]);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function indexPages(pages: readonly DetailPage[], pageBytes: number): Map<string, string> {
  const lines = pages.map((page) => `- [${pageTitle(page)}](${fileName(page.path)}): ${plural(page.objects, 'object')}${page.attention > 0 ? `, ${page.attention} need attention` : ''}`);
  const chunks: string[][] = [[]];
  let bytes = 0;
  for (const line of lines) {
    if (bytes + byteLength(line) + 1 > pageBytes - 2048 && chunks[chunks.length - 1]!.length > 0) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1]!.push(line);
    bytes += byteLength(line) + 1;
  }
  const paths = chunks.map((_, i) => (i === 0 ? `${reportDetailsFolder}/_index.md` : `${reportDetailsFolder}/_index_${i + 1}.md`));
  return new Map(chunks.map((chunk, i) => [paths[i]!, `${[navigation('**gitfed** status › every detail page', paths, i), '', ...chunk].join('\n')}\n`]));
}

/** `Namespace team-a (part 2 of 3)`. */
export function pageTitle(page: DetailPage): string {
  const name = page.namespace === '' ? 'cluster-scoped' : escapeMarkdown(page.namespace);
  return page.parts > 1 ? `${name} (part ${page.part} of ${page.parts})` : name;
}

function navigation(title: string, paths: readonly string[], i: number): string {
  const parts = [`${title}${paths.length > 1 ? ` · part ${i + 1} of ${paths.length}` : ''}`, '[summary](../README.md)'];
  if (i > 0) parts.push(`[‹ previous](${fileName(paths[i - 1]!)})`);
  if (i < paths.length - 1) parts.push(`[next ›](${fileName(paths[i + 1]!)})`);
  return parts.join(' · ');
}

const validNamespace = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function pagePath(namespace: string, part: number): string {
  const base = namespace === '' ? '_cluster' : validNamespace.test(namespace) ? namespace : `_${Buffer.from(namespace, 'utf8').toString('hex')}`;
  return `${reportDetailsFolder}/${base}${part > 1 ? `_${part}` : ''}.md`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
