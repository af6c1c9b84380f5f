/**
 * Fuzz: the planner never crashes, whatever a pull request does to the quickstart's files (lines deleted,
 * duplicated or changed a character at a time, in the base or the head), and its output keeps its shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/model/load-model.ts';
import { formatPlanMarkdown, githubCommentLimit, planMarker } from '../../../src/plan/format-plan-markdown.ts';
import { formatPlanJson, planRevisions, type RevisionInput } from '../../../src/plan/plan-revisions.ts';
import { render } from '../../../src/render/render.ts';
import { readDirSnapshot } from '../../../src/source/read-dir-snapshot.ts';

const root = 'fixtures/quickstart';


const quickstart = Object.fromEntries((await readDirSnapshot(root)).files);
const names = Object.keys(quickstart).sort();

type Edit =
  | { op: 'delete'; file: number; line: number }
  | { op: 'duplicate'; file: number; line: number }
  | { op: 'char'; file: number; at: number; char: string };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), file: fc.nat(), line: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), file: fc.nat(), line: fc.nat() }),
  fc.record({ op: fc.constant('char' as const), file: fc.nat(), at: fc.nat(), char: fc.constantFrom(' ', ':', '-', '\n', '{', '[', '"', 'x', '0', '#', '&', '*', '\t') }),
);

function applyEdits(files: Record<string, string>, edits: readonly Edit[]): Record<string, string> {
  const out = { ...files };
  for (const change of edits) {
    const name = names[change.file % names.length]!;
    const text = out[name] ?? '';
    if (change.op === 'char') {
      const at = text.length === 0 ? 0 : change.at % text.length;
      out[name] = text.slice(0, at) + change.char + text.slice(at + 1);
      continue;
    }
    const lines = text.split('\n');
    const line = change.line % Math.max(1, lines.length);
    if (change.op === 'delete') lines.splice(line, 1);
    else lines.splice(line, 0, lines[line] ?? '');
    out[name] = lines.join('\n');
  }
  return out;
}

function revision(files: Record<string, string>, name: string): RevisionInput {
  const model = loadModel({ revision: name, files: new Map(Object.entries(files)), diagnostics: [] });
  return { ...render(model), model };
}

describe('plan on random edits of the quickstart', () => {
  it('never crashes, and always gives a bounded comment and valid JSON', () => {
    const original = revision(quickstart, 'base');
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), fc.boolean(), (edits, editBase) => {
        const edited = revision(applyEdits(quickstart, edits), 'edited');
        const plan = editBase ? planRevisions(edited, original) : planRevisions(original, edited);
        const markdown = formatPlanMarkdown(plan);
        expect(markdown.length).toBeLessThanOrEqual(githubCommentLimit);
        expect(markdown.startsWith('**gitfed plan** ')).toBe(true);
        expect(markdown.endsWith(`${planMarker}\n`)).toBe(true);
        const json = JSON.parse(formatPlanJson(plan));
        expect(Object.keys(json).slice(0, 7)).toEqual(['base', 'head', 'summary', 'clusters', 'replicas', 'errors', 'warnings']);
      }),
      { numRuns: 150 },
    );
  }, 180_000);
});
