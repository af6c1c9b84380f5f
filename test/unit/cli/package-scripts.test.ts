import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('package scripts', () => {
  it('call the CLI through bin/gitfed.js, since npm puts no package\'s own bin on its scripts\' PATH', async () => {
    const { scripts } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe('node bin/gitfed.js demo');
    for (const [name, command] of Object.entries(scripts)) expect(command, name).not.toMatch(/(^|&&\s*|;\s*)gitfed\s/);
  });
});
