/**
 * Text safe inside a Markdown paragraph, list item or table cell (never at the start of a line, where gitfed
 * always writes its own `- ` or `| `): line breaks become spaces; HTML's `& < >` become entities, so no tag
 * gets through; `\ ` * _ [ ] # | ~` are backslash-escaped, which covers emphasis, code, links and images,
 * table cells and strikethrough. Hyphens, dots and parentheses stay as they are: they mean something only at the
 * start of a line or after a `]`, and names are full of them. Shared by the status report and PR review comments.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#|~]/g, '\\$&');
}

/** Kinds whose `data`/`stringData` values never leave the process: not in logs, reports or review comments. */
export function isSecretKind(kind: string): boolean {
  return kind === 'Secret';
}
