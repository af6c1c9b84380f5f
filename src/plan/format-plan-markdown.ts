/**
 * A RevisionPlan as a pull-request comment (pure). Layout, top to bottom:
 * 1. One summary line: base → head, clusters that change, objects to add/remove/change, errors, warnings.
 * 2. Errors at head with file:line (apply would refuse a revision with load errors: said once, up front).
 * 3. Placement changes in words, cluster changes (declared, dropped, relabelled) and what they move, replica
 *    splits before → after as a table, deletions the deletion guard would hold.
 * 4. One collapsible `<details>` section per cluster with changes (clusters without are named on one line):
 *    objects added, changed (with their fields, before → after) and removed, and objects held back.
 * 5. With --live: per cluster, what applying head would change in the member today.
 * 6. Warnings at head, collapsed.
 * 7. {@link planMarker}, an invisible HTML comment a CI job finds its earlier comment by.
 *
 * Order is stable: clusters by name, ids and fields sorted. Size is bounded: a list shows at most `maxItems`
 * entries (a cluster's section fewer when many clusters change, so that each keeps its section) and a changed
 * object at most `maxFields` fields, each saying how many it left out; and the whole text
 * stays within `maxChars` (GitHub's comment limit, 65,536), cut at a line with a note that says so (open
 * `<details>` are closed first). Everything that comes from a manifest or a member is escaped
 * ({@link escapeMarkdown}) or shown as inline code ({@link inlineCode}), so it cannot break the layout.
 */
import { rolloutPlanLines } from '../rollout/plan-rollout.ts';
import { escapeMarkdown } from '../model/markdown-text.ts';
import type { Change } from './change-set.ts';
import type { FieldChange } from './field-changes.ts';
import {
  hasObjectChanges,
  type ClusterPlan,
  type LiveClusterPlan,
  type PlanDiagnostic,
  type RevisionPlan,
} from './plan-revisions.ts';

/** GitHub refuses comments longer than this many characters. */
export const githubCommentLimit = 65_536;
/** The last line of every plan comment: how a CI job finds the comment to update. */
export const planMarker = '<!-- gitfed-plan -->';

export interface PlanMarkdownOptions {
  /** The refs as given on the command line, shown beside the commits. */
  refs?: { base: string; head: string };
  /** Default {@link githubCommentLimit}. */
  maxChars?: number;
  /** Entries per list before it is cut. Default 100. */
  maxItems?: number;
  /** Fields shown per changed object. Default 10. */
  maxFields?: number;
}

export function formatPlanMarkdown(plan: RevisionPlan, options: PlanMarkdownOptions = {}): string {
  const maxItems = Math.max(1, options.maxItems ?? 100);
  const maxFields = Math.max(1, options.maxFields ?? 10);
  const maxChars = options.maxChars ?? githubCommentLimit;
  const lines: string[] = [summaryLine(plan, options.refs), ''];

  if (plan.errors.length > 0) {
    lines.push(`### ❌ Errors at head (${plan.errors.length})`, '');
    const blocking = plan.errors.filter((error) => !error.cluster).length;
    lines.push(
      blocking > 0
        ? 'gitfed does not apply a revision with load errors: applying head would change nothing. Below is what head renders despite them.'
        : 'Objects that fail to render in a cluster are held there: apply leaves them as they are.',
      '',
    );
    lines.push(...bounded(plan.errors.map(diagnosticLine), maxItems, 'errors'), '');
  }
  if (plan.placements.length > 0) {
    lines.push('### Placement', '');
    lines.push(...bounded(plan.placements.map((change) => `- ${escapeMarkdown(change.summary)}`), maxItems, 'placement changes'), '');
  }
  if (plan.clusterChanges.length > 0) {
    lines.push('### Clusters', '');
    lines.push(...plan.clusterChanges.map((change) => `- ${escapeMarkdown(change.summary)}`), '');
  }
  if (plan.replicas.length > 0) lines.push('### Replica splits', '', ...replicaTable(plan, maxItems), '');
  if (plan.rollout) lines.push(...rolloutPlanLines(plan.rollout, escapeMarkdown));
  if (plan.deletionGuard.length > 0) {
    lines.push('### Deletion guard', '');
    for (const guarded of plan.deletionGuard) {
      lines.push(
        `- ⛔ **${escapeMarkdown(guarded.cluster)}**: this revision deletes ${guarded.deletions} of the ${guarded.managed} objects gitfed manages there; the deletion guard would hold these deletions (allow them with \`--allow-mass-deletion\` or the \`gitfed.io/allow-mass-deletion: "true"\` annotation on the KubeFedCluster)`,
      );
    }
    lines.push('');
  }

  const names = Object.keys(plan.clusters);
  const changed = names.filter((name) => hasObjectChanges(plan.clusters[name]!) || plan.clusters[name]!.held.length > 0);
  if (changed.length > 0) {
    // Every cluster gets its section: with many clusters each lists fewer objects (about 120 characters each).
    const perCluster = Math.max(3, Math.min(maxItems, Math.floor((maxChars * 0.7) / (changed.length * 120))));
    lines.push('### Changes per cluster', '');
    for (const name of changed) lines.push(...clusterSection(name, plan.clusters[name]!, perCluster, maxFields));
  }
  const quiet = names.filter((name) => !changed.includes(name));
  if (quiet.length > 0) lines.push(`No changes: ${quiet.map(escapeMarkdown).join(', ')}.`, '');

  if (plan.live) {
    lines.push('### Live: what applying head would change today', '');
    for (const [name, member] of Object.entries(plan.live)) lines.push(...liveSection(name, member, maxItems));
  } else if (plan.liveSkipped) {
    lines.push('### Live', '', `Not compared with the members: ${escapeMarkdown(plan.liveSkipped)}`, '');
  }

  if (plan.warnings.length > 0) {
    lines.push(`### Warnings at head (${plan.warnings.length})`, '', '<details>', `<summary>${plan.warnings.length} warning${plan.warnings.length === 1 ? '' : 's'}</summary>`, '');
    lines.push(...bounded(plan.warnings.map(diagnosticLine), maxItems, 'warnings'), '', '</details>', '');
  }
  return fit(lines, maxChars);
}

function summaryLine(plan: RevisionPlan, refs: { base: string; head: string } | undefined): string {
  const { summary } = plan;
  const revision = (ref: string | undefined, sha: string | null) => {
    const short = sha ? inlineCode(sha.slice(0, 12)) : '(working tree)';
    return ref && ref !== sha ? `${inlineCode(ref)} (${short})` : short;
  };
  const parts: string[] = [];
  if (summary.clustersChanged === 0) parts.push('no changes to any cluster');
  else {
    parts.push(`${summary.clustersChanged} of ${summary.clusters} cluster${summary.clusters === 1 ? '' : 's'} change`);
    parts.push(`${summary.added} to add, ${summary.changed} to change, ${summary.removed} to remove`);
  }
  if (summary.held > 0) parts.push(`${summary.held} held`);
  if (summary.placements > 0) parts.push(`${summary.placements} placement change${summary.placements === 1 ? '' : 's'}`);
  if (summary.clusterChanges > 0) parts.push(`${summary.clusterChanges} cluster change${summary.clusterChanges === 1 ? '' : 's'}`);
  if (summary.replicas > 0) parts.push(`${summary.replicas} replica split${summary.replicas === 1 ? '' : 's'}`);
  if (summary.guarded > 0) parts.push(`⛔ deletions held in ${summary.guarded}`);
  parts.push(`${summary.errors > 0 ? '❌ ' : ''}${summary.errors} error${summary.errors === 1 ? '' : 's'}`);
  parts.push(`${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`);
  return `**gitfed plan** ${revision(refs?.base, plan.base)} → ${revision(refs?.head, plan.head)}: ${parts.join(' · ')}`;
}

function clusterSection(name: string, cluster: ClusterPlan, maxItems: number, maxFields: number): string[] {
  const counts = [
    cluster.added.length > 0 ? `${cluster.added.length} to add` : '',
    cluster.changed.length > 0 ? `${cluster.changed.length} to change` : '',
    cluster.removed.length > 0 ? `${cluster.removed.length} to remove` : '',
    cluster.held.length > 0 ? `${cluster.held.length} held` : '',
  ].filter(Boolean);
  const status = cluster.status === 'added' ? ' (new cluster)' : cluster.status === 'removed' ? ' (no longer declared)' : '';
  // Only what is shown is formatted: a fleet-wide change can list hundreds of thousands of objects.
  const total = cluster.added.length + cluster.changed.length + cluster.removed.length + cluster.held.length;
  let room = maxItems;
  const take = <T>(items: readonly T[]): readonly T[] => {
    const taken = items.slice(0, Math.max(0, room));
    room -= taken.length;
    return taken;
  };
  const shown = [
    ...take(cluster.added).map((id) => `- ➕ ${inlineCode(id)}`),
    ...take(cluster.changed).flatMap((change) => [`- ✏️ ${inlineCode(change.id)}`, ...fieldLines(change.fields, maxFields)]),
    ...take(cluster.removed).map((id) => `- ➖ ${inlineCode(id)}${cluster.status === 'removed' ? ' (left in the member)' : ''}`),
    ...take(cluster.held).map((held) => `- ⏸️ ${inlineCode(held.id)} held: it did not render at head (${escapeMarkdown(held.code)}); apply leaves it as it is`),
  ];
  if (total > maxItems) shown.push(`- … and ${total - maxItems} more (see \`-o json\`)`);
  return [
    '<details>',
    `<summary><b>${escapeHtml(name)}</b>${escapeHtml(status)}: ${counts.join(', ')}</summary>`,
    '',
    ...shown,
    '',
    '</details>',
    '',
  ];
}

function fieldLines(fields: readonly FieldChange[], maxFields: number): string[] {
  const lines = fields.slice(0, maxFields).map((field) => `  - ${inlineCode(field.path)}: ${fieldWords(field)}`);
  if (fields.length > maxFields) lines.push(`  - … and ${fields.length - maxFields} more fields`);
  return lines;
}

function fieldWords(field: FieldChange): string {
  if (field.masked) return `${field.masked} (value hidden)`;
  const value = (side: 'before' | 'after') => (side in field ? inlineCode(JSON.stringify(field[side])) : '(absent)');
  return `${value('before')} → ${value('after')}`;
}

function liveSection(name: string, member: LiveClusterPlan, maxItems: number): string[] {
  if (!member.reachable) {
    return [`- ⛔ **${escapeMarkdown(name)}** not reachable: ${escapeMarkdown(member.message ?? 'unknown reason')}`, ''];
  }
  if (member.changes.length === 0) return [`- **${escapeMarkdown(name)}**: nothing to do`, ''];
  const counts = new Map<string, number>();
  for (const change of member.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  const lines = member.changes.map(liveLine);
  return [
    '<details>',
    `<summary><b>${escapeHtml(name)}</b>: ${[...counts].map(([action, n]) => `${n} ${action}`).join(', ')}</summary>`,
    '',
    ...bounded(lines, maxItems, 'changes'),
    '',
    '</details>',
    '',
  ];
}

function liveLine(change: Change): string {
  const status = change.propagation === 'ClusterPropagationOK' ? '' : ` ${escapeMarkdown(change.propagation)}`;
  const fields = change.fields?.length
    ? ` [${change.fields.slice(0, 10).map(inlineCode).join(', ')}${change.fields.length > 10 ? ', …' : ''}]`
    : '';
  const drift = change.drift ? ' (drift: the member was edited by hand)' : '';
  const message = change.message ? `: ${escapeMarkdown(change.message)}` : '';
  return `- ${change.action} ${inlineCode(change.id)}${status}${fields}${drift}${message}`;
}

function replicaTable(plan: RevisionPlan, maxItems: number): string[] {
  const clusters = [
    ...new Set(plan.replicas.flatMap((change) => [...Object.keys(change.before?.clusters ?? {}), ...Object.keys(change.after?.clusters ?? {})])),
  ].sort();
  const cell = (before: number | undefined, after: number | undefined) => {
    if (before === after) return before === undefined ? '' : String(before);
    return `${before ?? '–'} → ${after ?? '–'}`;
  };
  const rows = plan.replicas.map((change) => {
    const target = change.after?.target ?? change.before?.target ?? '';
    return `| ${escapeMarkdown(change.preference)} | ${escapeMarkdown(target)} | ${cell(change.before?.totalReplicas, change.after?.totalReplicas)} | ${clusters
      .map((name) => cell(change.before?.clusters[name], change.after?.clusters[name]))
      .join(' | ')} |`;
  });
  return [
    `| Preference | Target | Total | ${clusters.map(escapeMarkdown).join(' | ')} |`,
    `| --- | --- | --- | ${clusters.map(() => '---').join(' | ')} |`,
    ...bounded(rows, maxItems, 'splits'),
  ];
}

function diagnosticLine(diagnostic: PlanDiagnostic): string {
  const where = diagnostic.file ? [diagnostic.file, diagnostic.line, diagnostic.column].filter((part) => part !== undefined).join(':') : '';
  const subject = [diagnostic.cluster, diagnostic.resource].filter(Boolean).join(' ');
  return `- ${where ? `${inlineCode(where)} ` : ''}**${escapeMarkdown(diagnostic.code)}** ${subject ? `${escapeMarkdown(subject)}: ` : ''}${escapeMarkdown(diagnostic.message)}`;
}

function bounded(lines: readonly string[], max: number, noun: string): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `- … and ${lines.length - max} more ${noun} (see \`-o json\`)`];
}

/** Joins the lines, cut at a line boundary so the text (marker included) stays within `maxChars`. */
function fit(lines: readonly string[], maxChars: number): string {
  const end = `${planMarker}\n`;
  const whole = `${lines.join('\n')}\n${end}`;
  if (whole.length <= maxChars) return whole;
  const note = (shown: number) =>
    `> ✂️ Cut to fit a GitHub comment (${String(maxChars).replace(/\B(?=(\d{3})+$)/g, ',')} characters): ${lines.length - shown} of ${lines.length} lines left out. Run \`gitfed plan -o json\` for the whole plan.\n`;
  const reserve = note(lines.length).length + end.length + 64;
  const kept: string[] = [];
  let size = 0;
  let open = 0;
  for (const line of lines) {
    const closing = '</details>\n\n'.length * (open + (line === '<details>' ? 1 : 0));
    if (size + line.length + 1 + closing + reserve > maxChars) break;
    kept.push(line);
    size += line.length + 1;
    if (line === '<details>') open++;
    else if (line === '</details>') open--;
  }
  const shown = kept.length;
  for (; open > 0; open--) kept.push('', '</details>');
  return `${kept.join('\n')}\n\n${note(shown)}${end}`;
}

export { escapeMarkdown };

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` as inline code, whatever backticks it holds; line breaks become spaces. */
export function inlineCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
