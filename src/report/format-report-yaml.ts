/**
 * report.yaml: the StatusReport as YAML, for machines. Pure.
 *
 * - Keys come out in the order buildReport writes them (apiVersion, kind, source, failure, summary, …), so the
 *   bytes depend only on the report.
 * - No line wrapping (lineWidth 0): a long message stays on one line, diffs stay one line per change.
 * - No anchors or aliases, even where two parts of the report are equal.
 * - Strings that a YAML 1.1 reader would take for something else (`no`, `on`, `0123`) are quoted, so a cluster
 *   named `no` is a string for every consumer, YAML 1.2 ones included.
 *
 * The output is the `yaml` library's `stringify` with {@link yamlOptions}, byte for byte (a property test holds
 * them equal), but written here: the library builds a node tree of the whole report first, which took 26 s for
 * 50 members × 10,000 objects. The block structure is written directly; each distinct scalar is still rendered by
 * the library (its quoting rules), once, except names plain in every YAML version. A string with a line break
 * (buildReport writes none: messages are one line) is written double-quoted with escapes instead of as a block.
 */
import { stringify } from 'yaml';
import type { StatusReport } from './build-report.ts';

export const yamlOptions = {
  version: '1.1',
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  indentSeq: true,
} as const;

export function formatReportYaml(report: StatusReport): string {
  return formatYaml(report);
}

/** Any JSON-shaped value (objects, arrays, strings, numbers, booleans, null) as a YAML document. */
export function formatYaml(value: unknown): string {
  const writer = new BlockWriter();
  if (!isBlock(value)) return `${writer.scalars.value(value)}\n`;
  writer.block(value, '', '');
  return writer.text();
}

/** A non-empty map or list: written over several lines. */
function isBlock(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value !== 'object' || value === null) return false;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

/**
 * Lines are collected as pieces and joined once: appending to one string of tens of MiB leaves millions of
 * intermediate strings to the garbage collector. A map whose values are all scalars (a report cell, a count)
 * is written once per object and place: the report shares one frozen object among equal cells.
 */
class BlockWriter {
  private readonly pieces: string[] = [];
  readonly scalars = new ScalarCache();
  private readonly leaves = new WeakMap<object, { pad: string; first: string; text: string }>();

  text(): string {
    return this.pieces.join('');
  }

  /** `value` (a non-empty map or list) with `pad` before each line; the first line starts with `first` instead. */
  block(value: Record<string, unknown> | unknown[], pad: string, first: string): void {
    if (Array.isArray(value)) {
      const deeper = `${pad}  `;
      let lead = first;
      for (const item of value) {
        // `- ` then the item's first line; its other lines two deeper.
        if (isBlock(item)) this.block(item, deeper, `${lead}- `);
        else this.pieces.push(`${lead}- ${this.scalars.value(item)}\n`);
        lead = pad;
      }
      return;
    }
    if (isLeafMap(value)) this.pieces.push(this.leafMap(value, pad, first));
    else this.map(value, pad, first);
  }

  private map(value: Record<string, unknown>, pad: string, first: string): void {
    let lead = first;
    for (const key in value) {
      const item = value[key];
      if (item === undefined) continue;
      const name = this.scalars.key(key);
      if (isBlock(item)) {
        // Lists are indented under their key (indentSeq), maps too.
        this.pieces.push(`${lead}${name}:\n`);
        const deeper = `${pad}  `;
        this.block(item, deeper, deeper);
      } else {
        this.pieces.push(`${lead}${name}: ${this.scalars.value(item)}\n`);
      }
      lead = pad;
    }
  }

  private leafMap(value: Record<string, unknown>, pad: string, first: string): string {
    const written = this.leaves.get(value);
    if (written && written.pad === pad && written.first === first) return written.text;
    let text = '';
    let lead = first;
    for (const key in value) {
      const item = value[key];
      if (item === undefined) continue;
      text += `${lead}${this.scalars.key(key)}: ${this.scalars.value(item)}\n`;
      lead = pad;
    }
    this.leaves.set(value, { pad, first, text });
    return text;
  }
}

/** A map none of whose values is itself a non-empty map or list. */
function isLeafMap(value: Record<string, unknown>): boolean {
  for (const key in value) if (isBlock(value[key])) return false;
  return true;
}

/** Plain in YAML 1.1 and 1.2 alike, as the library writes it: a letter first, no indicator, not a 1.1 word. */
const plainSafe = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const yaml11Words = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

class ScalarCache {
  private readonly values = new Map<string, string>();
  private readonly keys = new Map<string, string>();

  value(value: unknown): string {
    if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value === null) return 'null';
    if (Array.isArray(value)) return '[]';
    if (typeof value === 'object') return '{}';
    if (typeof value !== 'string') return single(value);
    if (plainSafe.test(value) && !yaml11Words.test(value)) return value;
    let text = this.values.get(value);
    if (text === undefined) {
      text = value.includes('\n') || value.includes('\r') ? JSON.stringify(value) : single(value);
      this.values.set(value, text);
    }
    return text;
  }

  key(key: string): string {
    if (plainSafe.test(key) && !yaml11Words.test(key)) return key;
    let text = this.keys.get(key);
    if (text === undefined) {
      text = key.includes('\n') || key.includes('\r') ? JSON.stringify(key) : stringify({ [key]: null }, yamlOptions).replace(/: null\n$/, '');
      this.keys.set(key, text);
    }
    return text;
  }
}

/** One scalar as the library writes it. */
function single(value: unknown): string {
  return stringify(value, yamlOptions).replace(/\n$/, '');
}
