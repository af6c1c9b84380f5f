/** `gitfed version`: the gitfed version (package.json), the Node.js version and the platform. */
import { Option, type Command } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import type { CliContext } from '../context.ts';

export interface VersionInfo {
  version: string;
  node: string;
  platform: string;
  arch: string;
}

export function versionInfo(): VersionInfo {
  return { version: packageJson.version, node: process.version, platform: process.platform, arch: process.arch };
}

export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('print the gitfed version, the Node.js version and the platform')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  gitfed version
  gitfed version -o json | jq -r .version`,
    )
    .action((flags: { output: 'text' | 'json' }) => {
      const info = versionInfo();
      if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else ctx.stdout.write(`gitfed ${info.version} (node ${info.node}, ${info.platform}/${info.arch})\n`);
    });
}
