import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GitfedError } from '../../../src/model/diagnostic.ts';
import {
  TOKEN_USERNAME,
  checkRepoUrl,
  gitAuthCallback,
  gitCredentials,
  loadGitCredentials,
  parseGitCredentials,
} from '../../../src/source/git-credentials.ts';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A pino logger writing JSON lines into `lines`. */
function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function credentialsFile(text: string, mode = 0o600): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-credentials-'));
  temporary.push(dir);
  const file = path.join(dir, 'credentials');
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

function usageError(run: () => unknown): GitfedError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(GitfedError);
    expect((err as GitfedError).code).toBe('UsageError');
    return err as GitfedError;
  }
  throw new Error('expected a UsageError');
}

describe('parseGitCredentials', () => {
  it('reads username and password lines, ignoring blank lines, comments and surrounding spaces', () => {
    const parsed = parseGitCredentials('# for the config repo\n\nusername:  alice \npassword: s3cr:et\n', 'f');
    expect({ ...parsed }).toEqual({ username: 'alice', password: 's3cr:et' });
  });

  it('takes a bare token on one line as the password of the token username', () => {
    expect({ ...parseGitCredentials('ghp_abcdef123\n', 'f') }).toEqual({ username: TOKEN_USERNAME, password: 'ghp_abcdef123' });
    expect({ ...parseGitCredentials('\uFEFFtoken: glpat-xyz\r\n', 'f') }).toEqual({ username: TOKEN_USERNAME, password: 'glpat-xyz' });
    expect({ ...parseGitCredentials('username: oauth2\ntoken: "glpat-xyz"\n', 'f') }).toEqual({ username: 'oauth2', password: 'glpat-xyz' });
  });

  it('rejects malformed files without echoing their content', () => {
    const cases = [
      '',
      '# only a comment\n',
      'username: alice\n',
      'username: alice\npassword: pw-secret-1\npassword: pw-secret-2\n',
      'username: alice\nsecret-value-here\n',
      'two words-secret\n',
      'password:\n',
      'password: pw-secret-1\ntoken: pw-secret-2\n',
    ];
    for (const text of cases) {
      const err = usageError(() => parseGitCredentials(text, '/etc/gitfed/creds'));
      expect(err.message).toContain('/etc/gitfed/creds');
      for (const secret of ['secret-value-here', 'words-secret', 'pw-secret']) {
        if (text.includes(secret)) expect(err.message).not.toContain(secret);
      }
    }
  });
});

describe('loadGitCredentials', () => {
  it('reads the file named by --git-credentials-file before the environment', async () => {
    const { logger } = capture();
    const file = await credentialsFile('username: bob\npassword: from-file\n');
    const env = { GITFED_GIT_USERNAME: 'env-user', GITFED_GIT_PASSWORD: 'from-env' };
    expect({ ...(await loadGitCredentials({ file }, { env, logger })) }).toEqual({ username: 'bob', password: 'from-file' });
    expect({ ...(await loadGitCredentials({}, { env, logger })) }).toEqual({ username: 'env-user', password: 'from-env' });
  });

  it('takes GITFED_GIT_PASSWORD alone as a token and refuses a username alone', async () => {
    const { logger } = capture();
    expect({ ...(await loadGitCredentials({}, { env: { GITFED_GIT_PASSWORD: 'tok' }, logger })) }).toEqual({
      username: TOKEN_USERNAME,
      password: 'tok',
    });
    await expect(loadGitCredentials({}, { env: { GITFED_GIT_USERNAME: 'alice' }, logger })).rejects.toMatchObject({ code: 'UsageError' });
    expect(await loadGitCredentials({}, { env: {}, logger })).toBeUndefined();
  });

  it('warns about a world-readable file and never logs the secret', async () => {
    const { logger, lines } = capture();
    const file = await credentialsFile('username: carol\npassword: hunter2-secret\n', 0o644);
    const credentials = await loadGitCredentials({ file }, { env: {}, logger });
    expect(credentials?.password).toBe('hunter2-secret');
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('readable by every user');
    logger.info({ credentials }, 'what a careless caller might log');
    expect(lines.join('')).not.toContain('hunter2-secret');
    expect(JSON.stringify(credentials)).not.toContain('hunter2-secret');
    expect(inspect(credentials)).not.toContain('hunter2-secret');
  });

  it('does not warn about a file only its owner reads', async () => {
    const { logger, lines } = capture();
    await loadGitCredentials({ file: await credentialsFile('tok\n', 0o400) }, { env: {}, logger });
    expect(lines.filter((line) => line.includes('"level":40'))).toEqual([]);
  });

  it('names a missing file in a UsageError', async () => {
    const { logger } = capture();
    await expect(loadGitCredentials({ file: '/nonexistent/creds' }, { env: {}, logger })).rejects.toMatchObject({
      code: 'UsageError',
      message: expect.stringContaining('/nonexistent/creds cannot be read (ENOENT)'),
    });
  });
});

describe('gitAuthCallback', () => {
  it('answers isomorphic-git with the credentials, or nothing when anonymous', async () => {
    expect(await gitAuthCallback(gitCredentials('u', 'p'))('https://example.test/r.git', {})).toEqual({ username: 'u', password: 'p' });
    expect(await gitAuthCallback(undefined)('https://example.test/r.git', {})).toBeUndefined();
  });
});

describe('checkRepoUrl', () => {
  it('accepts plain HTTP(S) URLs unchanged', () => {
    expect(checkRepoUrl('https://github.com/acme/fleet.git')).toBe('https://github.com/acme/fleet.git');
    expect(checkRepoUrl('http://127.0.0.1:8080/fleet.git')).toBe('http://127.0.0.1:8080/fleet.git');
  });

  it('rejects a URL that embeds credentials, without repeating them', () => {
    for (const url of [
      'https://alice:s3cret-pw@git.example.com/acme/fleet.git',
      'https://ghp_tok3n-value@github.com/acme/fleet.git',
      'https://x-access-token:ghp_tok3n-value@github.com/acme/fleet.git',
    ]) {
      const err = usageError(() => checkRepoUrl(url));
      expect(err.message).toContain('contains credentials');
      expect(err.message).toContain('--git-credentials-file');
      expect(err.message).not.toMatch(/s3cret-pw|ghp_tok3n-value|alice/);
      expect(err.message).toContain('***@');
    }
  });

  it('rejects SSH and other non-HTTP addresses with the HTTPS form to use', () => {
    expect(usageError(() => checkRepoUrl('git@github.com:acme/fleet.git')).message).toContain('SSH address');
    expect(usageError(() => checkRepoUrl('ssh://git@github.com/acme/fleet.git')).message).toMatch(/uses ssh; .*https:\/\//);
    expect(usageError(() => checkRepoUrl('not a url')).message).toContain('is not a URL');
    expect(usageError(() => checkRepoUrl('user:pw-secret@host/x')).message).not.toContain('pw-secret');
  });
});
