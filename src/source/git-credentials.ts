/**
 * Credentials for the Git remote (effect: reads a file and the environment). They reach isomorphic-git only through
 * an `onAuth` callback, so they are never written into the repository URL, `.git/config` or a log line.
 *
 * Where they come from, first match wins:
 * 1. `--git-credentials-file FILE`, in one of two shapes:
 *    ```
 *    # basic credentials (blank lines and lines starting with # are ignored)
 *    username: alice
 *    password: s3cret
 *    ```
 *    or a bare token on a single line (`ghp_…`, a Gitea or GitLab access token). `token: …` is accepted in place of
 *    `password: …`. A token without a username is sent as password with the username `x-access-token`, which
 *    GitHub, Gitea and GitLab all accept (they look at the password only; set `username:` for hosts that care, e.g.
 *    `x-token-auth` for Bitbucket or `oauth2` for a GitLab OAuth token). A file any user may read is used, with a
 *    warning.
 * 2. The environment: `GITFED_GIT_USERNAME` and `GITFED_GIT_PASSWORD`; the password alone is a token, as above.
 * 3. Nothing: the repository is read anonymously (a public repository; pushing the report will then fail).
 */
import { readFile, stat } from 'node:fs/promises';
import type { AuthCallback } from 'isomorphic-git';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';

export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

/** Username sent with a bare token. */
export const TOKEN_USERNAME = 'x-access-token';

export const GIT_USERNAME_ENV = 'GITFED_GIT_USERNAME';
export const GIT_PASSWORD_ENV = 'GITFED_GIT_PASSWORD';

export interface LoadGitCredentialsOptions {
  /** `--git-credentials-file`. */
  file?: string;
}

export interface LoadGitCredentialsDeps {
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

/** The credentials named by the options or the environment, or undefined when there are none. */
export async function loadGitCredentials(
  options: LoadGitCredentialsOptions,
  deps: LoadGitCredentialsDeps,
): Promise<GitCredentials | undefined> {
  if (options.file) {
    const file = options.file;
    let text: string;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new GitfedError('UsageError', `git credentials file ${file} is not a file`);
      if ((info.mode & 0o004) !== 0) {
        deps.logger.warn(
          { file },
          'the git credentials file is readable by every user; restrict it (chmod 600, or defaultMode: 0400 on a Secret volume)',
        );
      }
      text = await readFile(file, 'utf8');
    } catch (cause) {
      if (cause instanceof GitfedError) throw cause;
      throw new GitfedError('UsageError', `git credentials file ${file} cannot be read (${errorCode(cause)})`, {}, { cause });
    }
    deps.logger.debug({ file }, 'git credentials from file');
    return parseGitCredentials(text, file);
  }

  const username = deps.env[GIT_USERNAME_ENV] || undefined;
  const password = deps.env[GIT_PASSWORD_ENV] || undefined;
  if (username && !password) {
    throw new GitfedError('UsageError', `${GIT_USERNAME_ENV} is set but ${GIT_PASSWORD_ENV} is not; set both, or the password (a token) alone`);
  }
  if (password) {
    deps.logger.debug({ env: username ? [GIT_USERNAME_ENV, GIT_PASSWORD_ENV] : [GIT_PASSWORD_ENV] }, 'git credentials from the environment');
    return gitCredentials(username ?? TOKEN_USERNAME, password);
  }
  return undefined;
}

const fileFormat =
  'expected `username: NAME` and `password: SECRET` lines (or `token: TOKEN`), or a bare token on a single line';

/**
 * Parses the content of a credentials file (format in the module comment). Errors name the file and the line, never
 * a value from it.
 */
export function parseGitCredentials(text: string, source: string): GitCredentials {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, index) => ({ text: line.trim(), line: index + 1 }))
    .filter((line) => line.text !== '' && !line.text.startsWith('#'));
  if (lines.length === 0) throw new GitfedError('UsageError', `git credentials file ${source} is empty; ${fileFormat}`);

  const keyed = lines.map((line) => ({ ...line, match: /^(username|password|token)\s*:\s*(.*)$/i.exec(line.text) }));
  if (lines.length === 1 && !keyed[0]!.match) {
    const token = lines[0]!.text;
    if (/\s/.test(token)) {
      throw new GitfedError('UsageError', `git credentials file ${source} line ${lines[0]!.line} is not a token (it contains spaces); ${fileFormat}`);
    }
    return gitCredentials(TOKEN_USERNAME, token);
  }

  const values = new Map<string, string>();
  for (const { match, line } of keyed) {
    if (!match) throw new GitfedError('UsageError', `git credentials file ${source} line ${line} is not understood; ${fileFormat}`);
    const key = match[1]!.toLowerCase();
    const value = stripQuotes(match[2]!.trim());
    if (values.has(key)) throw new GitfedError('UsageError', `git credentials file ${source} line ${line} repeats \`${key}\``);
    if (value === '') throw new GitfedError('UsageError', `git credentials file ${source} line ${line} gives \`${key}\` no value`);
    values.set(key, value);
  }
  if (values.has('password') && values.has('token')) {
    throw new GitfedError('UsageError', `git credentials file ${source} gives both \`password\` and \`token\`; keep one`);
  }
  const password = values.get('password') ?? values.get('token');
  if (password === undefined) {
    throw new GitfedError('UsageError', `git credentials file ${source} has no \`password\` (or \`token\`) line; ${fileFormat}`);
  }
  return gitCredentials(values.get('username') ?? TOKEN_USERNAME, password);
}

/**
 * A credentials value that does not print its password: `JSON.stringify` (so pino) and `util.inspect` show
 * `[redacted]`.
 */
export function gitCredentials(username: string, password: string): GitCredentials {
  const credentials = { username, password };
  const redacted = () => ({ username, password: '[redacted]' });
  Object.defineProperties(credentials, {
    toJSON: { value: redacted, enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: redacted, enumerable: false },
  });
  return credentials;
}

/** The isomorphic-git `onAuth` callback for these credentials (anonymous when undefined). */
export function gitAuthCallback(credentials: GitCredentials | undefined): AuthCallback {
  return () => (credentials ? { username: credentials.username, password: credentials.password } : undefined);
}

/**
 * Checks a repository URL and returns it unchanged: HTTP(S) only (isomorphic-git speaks smart HTTP), and no
 * credentials in it — they would end up in `.git/config` and in every log line that names the repository.
 */
export function checkRepoUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scp = /^[^/@:]+@[^/:]+:/.test(url);
    throw new GitfedError(
      'UsageError',
      scp
        ? `repository URL ${redactText(url)} is an SSH address; gitfed speaks HTTPS only: use https://HOST/OWNER/REPO.git`
        : `repository URL "${redactText(url)}" is not a URL; use https://HOST/OWNER/REPO.git`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new GitfedError(
      'UsageError',
      `repository URL ${redactText(url)} uses ${parsed.protocol.replace(/:$/, '')}; gitfed speaks HTTP(S) only: use https://HOST/OWNER/REPO.git`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new GitfedError(
      'UsageError',
      `repository URL ${redactUrl(parsed)} contains credentials; remove them from the URL and pass them with ` +
        `--git-credentials-file or ${GIT_USERNAME_ENV}/${GIT_PASSWORD_ENV}`,
    );
  }
  return url;
}

/** The URL without its user info (which may be a token), for messages. */
function redactUrl(url: URL): string {
  return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}${url.pathname}`;
}

/** Text that failed to parse as a URL, with anything before an `@` hidden. */
function redactText(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  return `${scheme}***@${url.slice(at + 1)}`;
}

function stripQuotes(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}

function errorCode(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return cause instanceof Error ? cause.message : String(cause);
}
