/**
 * README.md beside report.yaml: the page people read on the Git host. Pure; built from the StatusReport alone.
 *
 * Layout, top to bottom:
 * 1. One summary line: revision, clusters ready x/y, objects Current x/y, propagation errors, errors, warnings.
 * 2. A failure box when the newest revision could not be applied: stage, message, errors with file:line.
 * 3. Steps that did not finish, then the per-cluster table, problems first (not ready, then failed steps, then
 *    objects not propagated, then by name).
 * 4. The cells that need attention, problems first (❌, ⚠️, 🗑, ⏳, ❔), with their messages.
 * 5. The matrix: one row per member object (grouped by federated object, in report order) × one column per
 *    cluster, a mark per cell (see {@link legend}), replicas beside workloads. A cluster that is not ready shows ⛔
 *    for its objects and is explained once, in the cluster table, instead of on every object. Above `maxRows`
 *    objects the matrix moves to detail pages, one per namespace (format-report-details.ts), and this section
 *    becomes their index, namespaces that need attention first.
 * 6. Replica splits, drift corrected, objects still being removed, errors, warnings.
 *
 * Size is bounded: each table or list shows at most `maxRows` rows (default {@link defaultMaxRows}) and says how
 * many it left out and where the rest is (report.yaml always has everything); and report-files.ts halves
 * `maxRows` until the page fits its byte bound.
 *
 * Every name and message goes through {@link escapeMarkdown}: Markdown and HTML characters are escaped and line
 * breaks become spaces, so nothing from a manifest or a member can break a table or inject markup.
 */
import type { McsSummary } from '../mcs/summarize-services.ts';
import { rolloutMarkdown } from './report-rollout.ts';
import { escapeMarkdown } from '../model/markdown-text.ts';
import { healthStatuses } from '../health/aggregate-health.ts';
import type { HealthStatus } from '../health/compute-health.ts';
import {
  isPropagationProblem,
  type ReportCluster,
  type ReportDiagnostic,
  type ReportFailure,
  type ReportPlacement,
  type ReportProblem,
  type ReportResource,
  type StatusReport,
} from './build-report.ts';
import type { DetailPage } from './format-report-details.ts';

export const defaultMaxRows = 500;

export interface MarkdownOptions {
  /** Rows per table or list before it is cut. Default 500. */
  maxRows?: number;
  /** The detail pages, when the matrix is on them instead of on this page (report-files.ts decides). */
  details?: { pages: readonly DetailPage[]; index: string };
}

export type CellMark = '✅' | '⏳' | '❌' | '🗑' | '⚠️' | '❔' | '⛔' | '∅';

export const legend: readonly { mark: CellMark; meaning: string }[] = [
  { mark: '✅', meaning: 'Current' },
  { mark: '⏳', meaning: 'InProgress' },
  { mark: '❌', meaning: 'Failed, or not propagated (see below)' },
  { mark: '🗑', meaning: 'Terminating' },
  { mark: '⚠️', meaning: 'NotFound: should be there, is not' },
  { mark: '❔', meaning: 'Unknown' },
  { mark: '⛔', meaning: 'cluster not ready' },
  { mark: '∅', meaning: 'not placed there' },
];

const healthMarks: Readonly<Record<HealthStatus, CellMark>> = {
  Current: '✅',
  InProgress: '⏳',
  Failed: '❌',
  Terminating: '🗑',
  NotFound: '⚠️',
  Unknown: '❔',
};

/** The mark for one cell; `undefined` cell means the object is not placed on that cluster. */
export function cellMark(cell: ReportPlacement | undefined, clusterReady: boolean): CellMark {
  if (!cell) return '∅';
  if (isMemberAway(cell, clusterReady)) return '⛔';
  if (isPropagationProblem(cell.propagation)) return '❌';
  if (cell.propagation === 'PropagationUnknown') return '❔';
  return healthMarks[cell.health];
}

export function formatReportMarkdown(report: StatusReport, options: MarkdownOptions = {}): string {
  const maxRows = Math.max(1, options.maxRows ?? defaultMaxRows);
  const ready = new Map(report.clusters.map((cluster) => [cluster.name, cluster.ready]));
  const details = options.details;
  const out: string[] = [summaryLine(report), ''];
  if (report.failure) out.push(...failureBox(report.failure, report.source.revision), '');
  if (report.problems?.length) out.push(...problemList(report.problems, maxRows), '');

  if (report.rollout) out.push('## Rollout', '', ...rolloutMarkdown(report.rollout), '');
  out.push('## Clusters', '', ...clusterTable(report.clusters, maxRows), '');
  const attention = report.resources.flatMap((resource) => attentionLines(resource, ready).map((line) => ({ line, rank: rankOf(line) })));
  if (attention.length > 0) {
    const lines = attention.sort((a, b) => a.rank - b.rank).map((entry) => entry.line);
    const where = details ? 'the namespace pages list them all' : 'report.yaml lists them all';
    out.push('## Needs attention', '', ...bounded(lines, maxRows, 'entries', where), '');
  }
  if (details) out.push('## Objects', '', ...detailIndex(report, details, maxRows), '');
  else out.push('## Objects', '', ...matrix(report, ready, maxRows), '', legendLine(), '');

  out.push('## Replica splits', '', ...replicaTable(report, maxRows), '');
  out.push('## Drift corrected', '', ...driftTable(report, maxRows), '');
  if (report.pruning.length > 0) {
    const rows = report.pruning.map(
      (entry) =>
        `- **${md(entry.cluster)}** ${md(idOf(entry))}: ${md(entry.propagation)}${entry.message ? ` — ${md(entry.message)}` : ''}`,
    );
    out.push('## Being removed', '', 'Gone from Git, not yet gone from the member:', '', ...bounded(rows, maxRows, 'objects'), '');
  }
  if (report.multiclusterServices) out.push(...multiclusterServicesSection(report.multiclusterServices, maxRows), '');
  out.push('## Errors', '', ...diagnosticList(report.errors, maxRows, 'No errors.'), '');
  out.push('## Warnings', '', ...diagnosticList(report.warnings, maxRows, 'No warnings.'), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** Per exported service: its exporting members with their ready endpoints, importing members, conflicts. */
function multiclusterServicesSection(mcs: McsSummary, maxRows: number): string[] {
  const rows = mcs.services.map((service) =>
    row([
      md(`${service.namespace}/${service.name}`),
      md(`${service.type} ${service.ports.join(' ')}`),
      md(service.exporters.map((exporter) => `${exporter.cluster} (${exporter.endpoints})`).join(', ') || 'none valid'),
      md(service.importers.join(', ')),
      md([...service.conflicts, ...service.invalid.map((invalid) => `${invalid.cluster}: ${invalid.reason}`)].join(', ') || '—'),
    ]),
  );
  const out = [`## Multi-cluster services (ClusterSet ${md(mcs.clusterSet)})`, ''];
  out.push(...(rows.length === 0 ? ['No exported services.'] : ['| service | type and ports | exported from (ready endpoints) | imported into | conflicts |', '|---|---|---|---|---|', ...bounded(rows, maxRows, 'services')]));
  if (mcs.notServed.length > 0) out.push('', `TypeNotServed (no multicluster.x-k8s.io/v1beta1): ${md(mcs.notServed.join(', '))}`);
  if (mcs.failures.length > 0) out.push('', ...bounded(mcs.failures.map((failure) => `- **${md(failure.cluster)}** ${md(failure.stage)}: ${md(failure.message)}`), maxRows, 'failures'));
  return out;
}

export function legendLine(): string {
  return legend.map(({ mark, meaning }) => `${mark} ${meaning}`).join(' · ');
}

/** The index of the detail pages: one row per namespace, those with cells that need attention first. */
function detailIndex(report: StatusReport, details: { pages: readonly DetailPage[]; index: string }, maxRows: number): string[] {
  const namespaces = new Map<string, { objects: number; attention: number; links: string[] }>();
  for (const page of details.pages) {
    const entry = namespaces.get(page.namespace) ?? { objects: 0, attention: 0, links: [] };
    entry.objects += page.objects;
    entry.attention += page.attention;
    entry.links.push(`[${page.parts > 1 ? String(page.part) : 'page'}](${page.path})`);
    namespaces.set(page.namespace, entry);
  }
  const rows = [...namespaces].sort(([a, x], [b, y]) => Number(y.attention > 0) - Number(x.attention > 0) || (a < b ? -1 : a > b ? 1 : 0));
  const lines = [
    `${plural(report.resources.length, 'object')} in ${plural(namespaces.size, 'namespace')}: too many for this page, so each namespace's matrix is on a page of its own ([every page](${details.index})).`,
    '',
    row(['Namespace', 'Objects', 'Need attention', 'Pages']),
    row(['---', '---', '---', '---']),
  ];
  for (const [namespace, entry] of rows.slice(0, maxRows)) {
    lines.push(row([namespace === '' ? '(cluster-scoped)' : md(namespace), String(entry.objects), String(entry.attention), entry.links.join(' · ')]));
  }
  if (rows.length > maxRows) lines.push('', `_Showing the first ${maxRows} of ${rows.length} namespaces; [every page](${details.index}) lists them all._`);
  return lines;
}

function summaryLine(report: StatusReport): string {
  const { summary } = report;
  const parts = [
    `**gitfed** revision ${revisionText(report.source.revision)}`,
    `clusters ready ${summary.clustersReady}/${summary.clusters}`,
    `objects Current ${summary.current}/${summary.objects}`,
    plural(summary.propagationErrors, 'propagation error'),
    plural(summary.errors, 'error'),
    plural(summary.warnings, 'warning'),
  ];
  if (report.failure) parts.push(`❌ ${revisionText(report.failure.revision)} not applied (${md(report.failure.stage)})`);
  if (report.problems?.length) parts.push(`❌ ${plural(report.problems.length, 'step')} did not finish`);
  return parts.join(' · ');
}

/** Steps of the last pass that did not finish: first, since they say what the rest of the page misses. */
function problemList(problems: readonly ReportProblem[], maxRows: number): string[] {
  const rows = problems.map((problem) => `- ${problem.cluster ? `**${md(problem.cluster)}** ` : ''}${md(problem.stage)}: ${md(problem.message)}`);
  return ['### Steps that did not finish', '', ...bounded(rows, maxRows, 'steps')];
}

function failureBox(failure: ReportFailure, inForce: string | null): string[] {
  const title =
    failure.revision === null
      ? `**The newest revision could not be applied** (${md(failure.stage)})`
      : `**Revision ${revisionText(failure.revision)} could not be applied** (${md(failure.stage)})`;
  const lines = [
    '> [!CAUTION]',
    `> ${title}: ${md(failure.message)}`,
    '>',
    `> Revision ${revisionText(inForce)} stays in force.`,
  ];
  if (failure.errors.length > 0) {
    lines.push('>');
    for (const error of failure.errors.slice(0, 50)) lines.push(`> - ${diagnosticText(error)}`);
    if (failure.errors.length > 50) lines.push(`> - … and ${failure.errors.length - 50} more in report.yaml`);
  }
  return lines;
}

function matrix(report: StatusReport, ready: ReadonlyMap<string, boolean>, maxRows: number): string[] {
  if (report.resources.length === 0) return ['Nothing is placed on any cluster.'];
  const lines = matrixHeader(report);
  for (const resource of report.resources.slice(0, maxRows)) lines.push(matrixRow(report, resource, ready));
  if (report.resources.length > maxRows) {
    lines.push('', `_Showing the first ${maxRows} of ${report.resources.length} objects; report.yaml lists them all._`);
  }
  return lines;
}

/** The matrix's head: Federated object, Object, then one column per cluster (⛔ beside one not ready). */
export function matrixHeader(report: StatusReport): string[] {
  const header = ['Federated object', 'Object', ...report.clusters.map((c) => (c.ready ? md(c.name) : `${md(c.name)} ⛔`))];
  return [row(header), row(header.map(() => '---'))];
}

export function matrixRow(report: StatusReport, resource: ReportResource, ready: ReadonlyMap<string, boolean>): string {
  const texts = [md(resource.federatedObject), md(idOf(resource))];
  // Cells come in the clusters' order (buildReport writes them so); a report made otherwise is searched.
  let next = 0;
  for (const { name } of report.clusters) {
    let cell: ReportPlacement | undefined = resource.clusters[next];
    if (cell?.name === name) next++;
    else cell = resource.clusters.find((candidate) => candidate.name === name);
    texts.push(cellText(cell, ready.get(name) ?? false));
  }
  return row(texts);
}

/** Texts of shared (frozen) cells, [cluster not ready, ready]: most cells of a large report are alike. */
const sharedCellTexts = new WeakMap<ReportPlacement, [string, string]>();

function cellText(cell: ReportPlacement | undefined, clusterReady: boolean): string {
  if (!cell) return '∅';
  if (!Object.isFrozen(cell)) return markText(cell, clusterReady);
  let texts = sharedCellTexts.get(cell);
  if (!texts) sharedCellTexts.set(cell, (texts = [markText(cell, false), markText(cell, true)]));
  return texts[Number(clusterReady)]!;
}

function markText(cell: ReportPlacement, clusterReady: boolean): string {
  const mark = cellMark(cell, clusterReady);
  return cell.replicas && mark !== '⛔' ? `${mark} ${md(cell.replicas)}` : mark;
}

/** A resource's cells that are not ✅, ∅ or ⛔ (the member's own trouble is in the cluster table). */
export function attentionLines(resource: ReportResource, ready: ReadonlyMap<string, boolean>): string[] {
  const lines: string[] = [];
  for (const cell of resource.clusters) {
    const mark = cellMark(cell, ready.get(cell.name) ?? false);
    if (mark === '✅' || mark === '⛔') continue;
    const state = isPropagationProblem(cell.propagation) || cell.propagation === 'PropagationUnknown' ? cell.propagation : cell.health;
    const message = cell.message ? ` — ${md(cell.message)}` : '';
    lines.push(`- ${mark} **${md(cell.name)}** ${md(idOf(resource))}: ${md(state)}${message}`);
  }
  return lines;
}

const attentionRank: readonly string[] = ['- ❌', '- ⚠️', '- 🗑', '- ⏳', '- ❔'];

/** Problems first: failed or not propagated, then missing, terminating, in progress, unknown. */
function rankOf(line: string): number {
  const rank = attentionRank.findIndex((prefix) => line.startsWith(prefix));
  return rank === -1 ? attentionRank.length : rank;
}

/** Not ready, then failed steps, then objects not propagated, then the rest; by name within each. */
function clusterRank(cluster: ReportCluster): number {
  if (!cluster.ready) return 0;
  if ((cluster.failures ?? []).length > 0) return 1;
  return cluster.counts.errors > 0 ? 2 : 3;
}

function clusterTable(clusters: readonly ReportCluster[], maxRows: number): string[] {
  if (clusters.length === 0) return ['No clusters.'];
  const header = ['Cluster', 'Ready', 'Objects', ...healthStatuses.map((status) => `${healthMarks[status]} ${status}`), 'Propagation errors', 'Message'];
  const lines = [row(header), row(header.map(() => '---'))];
  const ordered = [...clusters].sort((a, b) => clusterRank(a) - clusterRank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const cluster of ordered.slice(0, maxRows)) {
    const counts = cluster.counts as unknown as Record<string, number>;
    const problems = Object.entries(counts)
      .filter(([key]) => key !== 'objects' && key !== 'errors' && !(healthStatuses as readonly string[]).includes(key))
      .map(([key, count]) => `${md(key)} ${count}`);
    lines.push(
      row([
        cluster.source && cluster.source !== 'git' ? `${md(cluster.name)} (${md(cluster.source)})` : md(cluster.name),
        cluster.ready ? 'yes' : '⛔ no',
        String(cluster.counts.objects),
        ...healthStatuses.map((status) => String(cluster.counts[status])),
        problems.length > 0 ? `${cluster.counts.errors} (${problems.join(', ')})` : String(cluster.counts.errors),
        cluster.message ? md(cluster.message) : '',
      ]),
    );
  }
  if (clusters.length > maxRows) lines.push('', `_Showing the first ${maxRows} of ${clusters.length} clusters._`);
  return lines;
}

function replicaTable(report: StatusReport, maxRows: number): string[] {
  if (report.replicaSplits.length === 0) return ['No ReplicaSchedulingPreference in this revision.'];
  const names = [...new Set([...report.clusters.map((c) => c.name), ...report.replicaSplits.flatMap((s) => Object.keys(s.clusters))])].sort(
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const header = ['Preference', 'Target', 'Total', ...names.map(md)];
  const lines = [row(header), row(header.map(() => '---'))];
  for (const split of report.replicaSplits.slice(0, maxRows)) {
    lines.push(
      row([
        md(split.preference),
        md(split.target),
        String(split.totalReplicas),
        ...names.map((name) => (Object.hasOwn(split.clusters, name) ? String(split.clusters[name]) : '–')),
      ]),
    );
  }
  if (report.replicaSplits.length > maxRows) {
    lines.push('', `_Showing the first ${maxRows} of ${report.replicaSplits.length} splits._`);
  }
  return lines;
}

function driftTable(report: StatusReport, maxRows: number): string[] {
  if (report.drift.length === 0) return ['No drift corrected in this pass.'];
  const lines = [row(['Cluster', 'Corrected', 'Objects']), row(['---', '---', '---'])];
  for (const entry of report.drift.slice(0, maxRows)) {
    const shown = entry.objects.slice(0, 20).map((object) => `${md(object.id)}${object.fields ? ` (${object.fields.map(md).join(', ')})` : ''}`);
    if (entry.objects.length > 20) shown.push(`… ${entry.objects.length - 20} more`);
    lines.push(row([md(entry.cluster), String(entry.corrected), shown.join('<br>')]));
  }
  if (report.drift.length > maxRows) lines.push('', `_Showing the first ${maxRows} of ${report.drift.length} clusters._`);
  return lines;
}

function diagnosticList(list: readonly ReportDiagnostic[], maxRows: number, none: string): string[] {
  if (list.length === 0) return [none];
  return bounded(list.map((diagnostic) => `- ${diagnosticText(diagnostic)}`), maxRows, 'entries');
}

/** `file:line Code: message (cluster c, Kind/ns/name)` */
function diagnosticText(diagnostic: ReportDiagnostic): string {
  const where = diagnostic.file ? `${md(diagnostic.file)}${diagnostic.line !== undefined ? `:${diagnostic.line}` : ''} ` : '';
  const about = [diagnostic.cluster ? `cluster ${md(diagnostic.cluster)}` : '', diagnostic.resource ? md(diagnostic.resource) : '']
    .filter((part) => part !== '')
    .join(', ');
  return `${where}**${md(diagnostic.code)}**: ${md(diagnostic.message)}${about ? ` (${about})` : ''}`;
}

function bounded(lines: readonly string[], maxRows: number, what: string, where = 'report.yaml lists them all'): string[] {
  if (lines.length <= maxRows) return [...lines];
  return [...lines.slice(0, maxRows), '', `_Showing the first ${maxRows} of ${lines.length} ${what}; ${where}._`];
}

function isMemberAway(cell: ReportPlacement, clusterReady: boolean): boolean {
  return !clusterReady || cell.propagation === 'ClusterNotReady' || cell.propagation === 'ClientRetrievalFailed';
}

function idOf(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A commit SHA shortened to 12 characters; anything else in full, escaped. */
function revisionText(revision: string | null): string {
  if (revision === null) return '(none)';
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : md(revision);
}

export { escapeMarkdown };

const md = escapeMarkdown;
