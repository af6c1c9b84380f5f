/** Diagnostics for people (compiler style, on stderr) and for machines (the JSON shape of `-o json`). */
import path from 'node:path';
import { diagnosticJson, formatPosition, type Diagnostic, type DiagnosticJson } from '../model/diagnostic.ts';

/** `fixtures/bad/app.yaml:12:5 error ApplyOverridesFailed member2 Deployment/shop/web: message` */
export function formatDiagnostic(diagnostic: Diagnostic, repoDir: string): string {
  const file = diagnostic.file ? path.relative(process.cwd(), path.join(repoDir, diagnostic.file)) || diagnostic.file : undefined;
  const where = formatPosition({ ...diagnostic, file });
  const subject = [diagnostic.cluster ?? diagnostic.clusters?.join(','), diagnostic.resource].filter(Boolean).join(' ');
  return `${where ? `${where} ` : ''}${diagnostic.severity} ${diagnostic.code} ${subject ? `${subject}: ` : ''}${diagnostic.message}`;
}

export type { DiagnosticJson };

export function splitDiagnostics(diagnostics: readonly Diagnostic[]): { errors: DiagnosticJson[]; warnings: DiagnosticJson[] } {
  return {
    errors: diagnostics.filter((d) => d.severity === 'error').map(diagnosticJson),
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(diagnosticJson),
  };
}

export function writeDiagnostics(stderr: NodeJS.WritableStream, diagnostics: readonly Diagnostic[], repoDir: string): void {
  for (const diagnostic of diagnostics) stderr.write(`${formatDiagnostic(diagnostic, repoDir)}\n`);
}
