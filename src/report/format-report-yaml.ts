/**
 * report.yaml: the StatusReport as YAML, for machines. Pure.
 *
 * - Keys come out in the order buildReport writes them (apiVersion, kind, source, failure, summary, …), so the
 *   bytes depend only on the report.
 * - No line wrapping (lineWidth 0): a long message stays on one line, diffs stay one line per change.
 * - No anchors or aliases, even where two parts of the report are equal.
 * - Strings that a YAML 1.1 reader would take for something else (`no`, `on`, `0123`) are quoted, so a cluster
 *   named `no` is a string for every consumer, YAML 1.2 ones included.
 */
import { stringify } from 'yaml';
import type { StatusReport } from './build-report.ts';

export function formatReportYaml(report: StatusReport): string {
  return stringify(report, {
    version: '1.1',
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
    indentSeq: true,
  });
}
