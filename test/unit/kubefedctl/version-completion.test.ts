import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.ts';

const commands = ['join', 'unjoin', 'federate', 'orphaning-deletion', 'enable', 'disable', 'version', 'completion'];

describe('gitfed version', () => {
  it('prints the package version, Node.js and the platform, as text or JSON', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(await runCli('version')).toEqual({ code: 0, stdout: `gitfed ${version} (node ${process.version}, ${process.platform}/${process.arch})\n`, stderr: '' });
    const json = await runCli('version', '-o', 'json');
    expect(JSON.parse(json.stdout)).toEqual({ version, node: process.version, platform: process.platform, arch: process.arch });
  });
});

describe('--help', () => {
  it.each(commands)('%s has help with examples', async (command) => {
    const { code, stdout } = await runCli(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: gitfed ${command}`);
    expect(stdout).toMatch(/Examples?:\n {2}(gitfed|source|kubectl)/);
  });
});

describe('gitfed completion', () => {
  it('prints a bash script that completes commands, subcommands and flags', async () => {
    const { code, stdout } = await runCli('completion', 'bash');
    expect(code).toBe(0);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-completion-'));
    try {
      await writeFile(path.join(dir, 'gitfed.bash'), stdout);
      const complete = async (...words: string[]) => {
        const script = `source ${path.join(dir, 'gitfed.bash')}; COMP_WORDS=(gitfed ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _gitfed_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const { stdout: out } = await promisify(execFile)('bash', ['-c', script]);
        return out.split('\n').filter(Boolean).sort();
      };
      expect(await complete('fed')).toEqual(['federate']);
      expect(await complete('orphaning-deletion', '')).toEqual(['disable', 'enable', 'status']);
      expect(await complete('lab', 'u')).toEqual(['up']);
      expect(await complete('join', 'm1', '--r')).toEqual(['--rbac', '--repo']);
      expect(await complete('completion', '')).toEqual(['bash', 'zsh']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints a zsh script through bashcompinit', async () => {
    const { code, stdout } = await runCli('completion', 'zsh');
    expect(code).toBe(0);
    expect(stdout).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(stdout).toContain('complete -o default -F _gitfed_completion gitfed');
    expect((await runCli('completion', 'fish')).code).toBe(2);
  });
});
