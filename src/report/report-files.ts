/**
 * Every file of the report folder, from the StatusReport alone. Pure and deterministic: the same report gives
 * the same paths and bytes, so a report commit happens only when something changed.
 *
 * - `report.yaml`: the whole report, for machines (one file at every size: see docs/status-report.md, "Size").
 * - `README.md`: what needs attention first; at most `readmeBytes` (default {@link defaultReadmeBytes}): when the
 *   page would be larger its lists are cut shorter (`maxRows` halved) until it fits.
 * - `details/…`: only when the report has more member objects than `maxRows` (or the matrix would not fit in
 *   README.md): the matrix, one bounded page per
 *   namespace (format-report-details.ts). The folder is the report's alone; writers replace it whole
 *   ({@link reportDetailsFolder}), so pages of namespaces that are gone disappear.
 */
import type { StatusReport } from './build-report.ts';
import { formatReportDetails, reportDetailsFolder } from './format-report-details.ts';
import { defaultMaxRows, formatReportMarkdown } from './format-report-markdown.ts';
import { formatReportYaml } from './format-report-yaml.ts';

export { reportDetailsFolder };

export const defaultReadmeBytes = 1024 * 1024 - 1;

export interface ReportFilesOptions {
  /** Rows per table or list in README.md, and the number of objects above which the matrix moves to pages. */
  maxRows?: number;
  readmeBytes?: number;
  pageBytes?: number;
}

/** Path (relative to the report folder) → text, in a fixed order: report.yaml, README.md, then the pages sorted. */
export function formatReportFiles(report: StatusReport, options: ReportFilesOptions = {}): Map<string, string> {
  const maxRows = Math.max(1, options.maxRows ?? defaultMaxRows);
  const files = new Map<string, string>([['report.yaml', formatReportYaml(report)]]);
  const readmeBytes = options.readmeBytes ?? defaultReadmeBytes;
  const pages = () => formatReportDetails(report, options.pageBytes !== undefined ? { pageBytes: options.pageBytes } : {});
  let details = report.resources.length > maxRows ? pages() : undefined;
  // A matrix that fits by rows but not by bytes (many clusters, long names) moves to pages too.
  if (!details && report.resources.length > 0 && Buffer.byteLength(formatReportMarkdown(report, { maxRows }), 'utf8') > readmeBytes) details = pages();
  files.set('README.md', boundedReadme(report, maxRows, readmeBytes, details));
  for (const path of [...(details?.files.keys() ?? [])].sort()) files.set(path, details!.files.get(path)!);
  return files;
}

function boundedReadme(report: StatusReport, maxRows: number, readmeBytes: number, details: ReturnType<typeof formatReportDetails> | undefined): string {
  for (let rows = maxRows; ; rows = Math.floor(rows / 2)) {
    const text = formatReportMarkdown(report, { maxRows: Math.max(1, rows), ...(details ? { details } : {}) });
    if (Buffer.byteLength(text, 'utf8') <= readmeBytes || rows <= 1) return text;
  }
}
