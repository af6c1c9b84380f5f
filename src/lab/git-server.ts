/**
 * The lab's Git server: a node:http bridge to `git http-backend` (CGI) serving every bare repository under
 * `DIR/git/` at `<base URL>/<name>.git`, fetch and push, behind HTTP basic auth. Real `git` and isomorphic-git (which
 * speaks only smart HTTP) both work against it. Also makes and seeds the bare repositories the lab serves.
 */
import { execFile, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import { labPaths } from './lab-paths.ts';
import { spawnComponent, stopProcesses, type LabProcess } from './processes.ts';
import { exitedError } from './wait-for.ts';

const run = promisify(execFile);

export interface GitCredentials {
  username: string;
  password: string;
}

export interface GitHttpOptions extends GitCredentials {
  /** The directory holding `<name>.git` bare repositories. */
  projectRoot: string;
  /** Path of git-http-backend; see findHttpBackend. */
  backend: string;
  logger?: Logger;
  /** A CGI run longer than this is killed (default 10 min). */
  cgiTimeoutMs?: number;
}

/** `$(git --exec-path)/git-http-backend`, or a clear error when git is missing. */
export async function findHttpBackend(): Promise<string> {
  let execPath: string;
  try {
    execPath = (await run('git', ['--exec-path'], { timeout: 10_000 })).stdout.trim();
  } catch (err) {
    throw new GitfedError('InternalError', 'the lab Git server needs the git CLI; install it (Debian: apt-get install git)', {}, { cause: err });
  }
  const backend = join(execPath, 'git-http-backend');
  try {
    await access(backend);
  } catch (err) {
    throw new GitfedError('InternalError', `${backend} is missing; install a git that ships git-http-backend (Debian: apt-get install git)`, {}, { cause: err });
  }
  return backend;
}

const repoPath = /^\/[A-Za-z0-9][A-Za-z0-9._-]*\.git(\/[A-Za-z0-9._/-]*)?$/;

/**
 * The request handler: checks basic auth, then runs git-http-backend per request with the CGI environment it needs,
 * request body streamed to its stdin (gzip passed through with HTTP_CONTENT_ENCODING), its CGI output parsed into
 * status and headers, the rest streamed back.
 */
export function createGitHttpHandler(options: GitHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = Buffer.from(`${options.username}:${options.password}`);
  const authorized = (header: string | undefined): boolean => {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    const given = Buffer.from(match[1], 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    const log = options.logger?.child({ method: req.method, path: url.pathname });
    if (!authorized(req.headers.authorization)) {
      log?.info({ status: 401 }, 'unauthenticated git request');
      res.writeHead(401, { 'www-authenticate': 'Basic realm="gitfed lab"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      req.resume();
      return;
    }
    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(url.pathname);
    } catch {
      pathInfo = '';
    }
    if (!repoPath.test(pathInfo) || pathInfo.includes('..')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such repository; repositories live at /<name>.git\n');
      req.resume();
      return;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      HOME: options.projectRoot,
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      SERVER_SOFTWARE: 'gitfed-lab',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: options.username,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(req.headers['content-length'] !== undefined ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { HTTP_GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    };
    const cgi = spawn(options.backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.cgiTimeoutMs ?? 600_000 });
    let stderr = '';
    cgi.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    cgi.stdin.on('error', () => {}); // the backend may exit before reading everything (e.g. a refused request)
    req.pipe(cgi.stdin);
    res.on('close', () => {
      if (cgi.exitCode === null && cgi.signalCode === null) cgi.kill('SIGKILL');
    });
    cgi.on('error', (err) => {
      log?.error({ err }, 'git-http-backend failed to start');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        if (!res.write(chunk)) {
          cgi.stdout.pause();
          res.once('drain', () => cgi.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const split = findHeaderEnd(head);
      if (!split) return;
      headersDone = true;
      const { status, headers } = parseCgiHeaders(head.subarray(0, split.start).toString('latin1'));
      res.writeHead(status, headers);
      const rest = head.subarray(split.end);
      if (rest.length) res.write(rest);
    });
    cgi.on('close', (code, signal) => {
      log?.info({ status: headersDone ? res.statusCode : 502, code, signal }, 'git request');
      if (stderr.trim()) log?.warn({ stderr: stderr.trim() }, 'git-http-backend stderr');
      if (!headersDone && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`git-http-backend gave no response (exit ${code ?? signal}): ${stderr.trim()}\n`);
        return;
      }
      res.end();
    });
  };
}

function findHeaderEnd(buf: Buffer): { start: number; end: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { start: crlf, end: crlf + 4 };
  if (lf >= 0) return { start: lf, end: lf + 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

/** The entry file next to this one: `.ts` when run from source (Node strips types), `.js` from a build. */
export const gitServerMain = fileURLToPath(
  new URL(`./git-server-main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);

/**
 * Starts the Git server detached (same node binary, `git-server-main.ts`); it binds a free port itself and reports
 * it over IPC, so no port race. Credentials travel in the environment, never on the command line.
 */
export async function startGitServer(options: {
  labDir: string;
  credentials: GitCredentials;
  timeoutMs?: number;
}): Promise<{ process: LabProcess; url: string }> {
  const paths = labPaths(options.labDir);
  await mkdir(paths.git, { recursive: true });
  const backend = await findHttpBackend();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // a test runner's loader hooks must not leak into the server
  Object.assign(env, {
    GITFED_LAB_GIT_ROOT: paths.git,
    GITFED_LAB_GIT_BACKEND: backend,
    GITFED_LAB_GIT_USERNAME: options.credentials.username,
    GITFED_LAB_GIT_PASSWORD: options.credentials.password,
  });
  const proc = await spawnComponent({
    labDir: options.labDir,
    id: 'git-server',
    component: 'git-server',
    command: process.execPath,
    args: [gitServerMain],
    env,
    ipc: true,
  });
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new GitfedError('InternalError', `the lab Git server did not report its port within ${timeoutMs / 1000} s; see ${proc.record.log}`)), timeoutMs);
      proc.child.once('message', (message: { port?: number }) => {
        clearTimeout(timer);
        if (typeof message.port === 'number') resolvePort(message.port);
        else reject(new GitfedError('InternalError', `the lab Git server sent ${JSON.stringify(message)}; see ${proc.record.log}`));
      });
      void proc.exited.then(async () => {
        clearTimeout(timer);
        reject(await exitedError(proc, 'reporting its port'));
      });
    });
    proc.child.disconnect();
    return { process: proc, url: `http://127.0.0.1:${port}` };
  } catch (err) {
    await stopProcesses(options.labDir, [proc.record], { graceMs: 1_000 });
    throw err;
  }
}

function checkRepoName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith('.git')) {
    throw new GitfedError('UsageError', `repository name "${name}" is not allowed: use letters, digits, '.', '_' and '-', without the .git suffix`);
  }
}

async function git(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await run('git', args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, ...options });
    return stdout.trim();
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new GitfedError('InternalError', `git ${args[0]} failed: ${e.stderr?.trim() || e.message}`, {}, { cause: err });
  }
}

/** Creates `DIR/git/<name>.git` (bare, default branch main) unless it exists; returns its path. */
export async function createBareRepo(labDir: string, name: string): Promise<string> {
  checkRepoName(name);
  const path = join(labPaths(labDir).git, `${name}.git`);
  try {
    await access(join(path, 'HEAD'));
    return path;
  } catch {
    await mkdir(labPaths(labDir).git, { recursive: true });
    await git(['init', '--quiet', '--bare', '--initial-branch=main', path]);
    // Like a protected branch on a Git host: history is never rewritten, even by a forced push.
    await git(['--git-dir', path, 'config', 'receive.denyNonFastForwards', 'true']);
    return path;
  }
}

export interface SeedOptions {
  /** Branch to move (default main). */
  branch?: string;
  message?: string;
  author?: { name: string; email: string };
  /** Fixed commit date (e.g. '2020-01-01T00:00:00Z') for reproducible SHAs. */
  date?: string;
}

/**
 * Commits the content of `sourceDir` (respecting its .gitignore) onto a branch of lab repository `name`, creating
 * the repository if needed. The commit's parent is the branch's current tip, so readers see a fast-forward; nothing
 * is written when the tree is unchanged. Returns the branch's commit id.
 */
export async function seedBareRepo(labDir: string, name: string, sourceDir: string, options: SeedOptions = {}): Promise<string> {
  const repo = await createBareRepo(labDir, name);
  const branch = options.branch ?? 'main';
  const author = options.author ?? { name: 'gitfed lab', email: 'lab@gitfed.invalid' };
  const scratch = await mkdtemp(join(tmpdir(), 'gitfed-seed-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_DIR: repo,
    GIT_WORK_TREE: resolve(sourceDir),
    GIT_INDEX_FILE: join(scratch, 'index'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    ...(options.date ? { GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date } : {}),
  };
  try {
    await git(['add', '--all', '.'], { cwd: resolve(sourceDir), env });
    const tree = await git(['write-tree'], { env });
    let parent: string | undefined;
    try {
      parent = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { env });
    } catch {
      parent = undefined;
    }
    if (parent && (await git(['rev-parse', `${parent}^{tree}`], { env })) === tree) return parent;
    const commit = await git(
      ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', options.message ?? `Seed from ${sourceDir}`],
      { env },
    );
    await git(['update-ref', `refs/heads/${branch}`, commit, ...(parent ? [parent] : [])], { env });
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
