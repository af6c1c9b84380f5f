import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createGitSource, defaultGitCacheDir } from '../../../src/source/git-source.ts';

const logger = pino({ level: 'silent' });
const url = 'https://git.example.test/acme/fleet.git';

describe('createGitSource', () => {
  it('refuses a URL with credentials before touching the network or the disk', () => {
    expect(() => createGitSource({ url: 'https://bob:pw-secret@git.example.test/acme/fleet.git', dir: '/nonexistent' }, { logger })).toThrow(
      expect.objectContaining({ code: 'UsageError', message: expect.not.stringContaining('pw-secret') }),
    );
  });

  it('refuses paths that leave the repository and report paths that are not a folder', () => {
    const bad = [
      { path: '../elsewhere' },
      { path: '/abs' },
      { reportPath: 'status/../..' },
      { reportPath: '.' },
      { reportPath: '' },
      { branch: 'feature/../main' },
      { branch: 'has space' },
    ];
    for (const options of bad) {
      expect(() => createGitSource({ url, dir: '/nonexistent', ...options }, { logger }), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'UsageError' }),
      );
    }
  });

  it('names the report folder relative to the repository root', () => {
    expect(createGitSource({ url, dir: '/nonexistent' }, { logger }).reportFolder).toBe('status');
    expect(createGitSource({ url, dir: '/nonexistent', path: './deploy/', reportPath: 'gitfed/status/' }, { logger }).reportFolder).toBe(
      'deploy/gitfed/status',
    );
  });
});

describe('defaultGitCacheDir', () => {
  it('is one folder per URL and branch under the XDG cache', () => {
    const home = { env: {}, homedir: '/home/op' };
    const main = defaultGitCacheDir(url, 'main', home);
    expect(main).toMatch(/^\/home\/op\/\.cache\/gitfed\/repos\/[0-9a-f]{16}$/);
    expect(defaultGitCacheDir(url, 'main', home)).toBe(main);
    expect(defaultGitCacheDir(url, 'release', home)).not.toBe(main);
    expect(defaultGitCacheDir(`${url}x`, 'main', home)).not.toBe(main);
    expect(defaultGitCacheDir(url, 'main', { env: { XDG_CACHE_HOME: '/var/cache' }, homedir: '/home/op' })).toMatch(/^\/var\/cache\/gitfed\/repos\//);
  });
});
