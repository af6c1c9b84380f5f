/**
 * gitfed's one error vocabulary. Pure code returns Diagnostics (errors and warnings it collected and kept
 * going past); code that must stop throws a GitfedError carrying the same fields. Only cli/ maps them to exit codes.
 */

import type { StageReason } from './stage-reason.ts';

/** Stable codes. KubeFed's propagation status words are reused where KubeFed had one. */
export type DiagnosticCode =
  // loading
  | 'YamlSyntax'
  | 'YamlAliasLimit'
  | 'FileTooLarge'
  | 'SymlinkOutsideRepo'
  | 'RepoNotFound'
  | 'FileUnreadable'
  | 'SchemaInvalid'
  | 'DuplicateObject'
  | 'UnknownTargetType'
  | 'DocumentIgnored'
  | 'InvalidName'
  | 'TypeDisabled'
  // rendering (KubeFed words first)
  | 'ApplyOverridesFailed'
  | 'NamespaceNotFederated'
  | 'AnnotationsNotSupported'
  | 'FinalizersNotSupported'
  | 'UnknownPlacementCluster'
  // validating what members receive (src/validate/)
  | 'ObjectInvalid'
  | 'ObjectDeprecated'
  | 'SchemaUnknown'
  // members and the reconcile's stages
  | 'ClusterRequestFailed'
  | 'MemberNameCollision'
  | 'MemberLabelsFromGit'
  | 'MemberSourceUnavailable'
  | Exclude<StageReason, 'InternalError'>
  // usage and plumbing
  | 'UsageError'
  | 'InternalError';

export type Severity = 'error' | 'warning';

/** Where a diagnostic points: a file position, a cluster, a resource, or several of these. */
export interface Location {
  /** Path relative to the repository root, with forward slashes. */
  file?: string;
  line?: number;
  column?: number;
  /** Field path inside the document, e.g. `spec.overrides[0].clusterOverrides[1].path`. */
  field?: string;
  cluster?: string;
  /** Several clusters sharing one problem (validation); `cluster` is then absent. */
  clusters?: string[];
  /** `Kind/namespace/name` (or `Kind/name` when cluster-scoped). */
  resource?: string;
}

export interface Diagnostic extends Location {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

export function error(code: DiagnosticCode, message: string, where: Location = {}): Diagnostic {
  return { severity: 'error', code, message, ...where };
}

export function warning(code: DiagnosticCode, message: string, where: Location = {}): Diagnostic {
  return { severity: 'warning', code, message, ...where };
}

/** A diagnostic as every command's `-o json` shows it: the severity is implied by the list it is in. */
export interface DiagnosticJson extends Location {
  code: string;
  message: string;
}

export function diagnosticJson({ severity: _severity, ...rest }: Diagnostic): DiagnosticJson {
  return rest;
}

/**
 * Thrown where carrying on makes no sense (an unreadable repository, a bad flag, a request a member refused).
 * `code` is stable; `reason` refines it where a code covers several causes (a member's Status reason, say).
 */
export class GitfedError extends Error {
  readonly code: DiagnosticCode;
  readonly where: Location;
  readonly reason: string | undefined;

  constructor(code: DiagnosticCode, message: string, where: Location = {}, options?: { cause?: unknown; reason?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitfedError';
    this.code = code;
    this.where = where;
    this.reason = options?.reason;
  }

  toDiagnostic(): Diagnostic {
    return error(this.code, this.message, this.where);
  }
}

/** Orders diagnostics by file, line, column, cluster, resource, code, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareText(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    compareText(a.cluster, b.cluster) ||
    compareText(a.resource, b.resource) ||
    compareText(a.code, b.code) ||
    compareText(a.message, b.message)
  );
}

/** Plain code-unit comparison: locale-independent, so output is byte-identical everywhere. */
export function compareText(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `file:line:column` when known, for compiler-style messages. */
export function formatPosition(where: Location): string {
  if (!where.file) return '';
  return [where.file, where.line, where.column].filter((part) => part !== undefined).join(':');
}
