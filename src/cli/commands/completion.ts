/** `gitfed completion bash|zsh`: a completion script built from the commands and flags the program defines. */
import { Argument, type Command } from 'commander';
import { completionScript, type CompletionCommand, type Shell } from '../../kubefedctl/completion-script.ts';
import type { CliContext } from '../context.ts';

export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script for gitfed (bash or zsh)')
    .addArgument(new Argument('<shell>', 'shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      `
Examples:
  source <(gitfed completion bash)                    # this shell
  gitfed completion bash > /etc/bash_completion.d/gitfed
  gitfed completion zsh > "\${fpath[1]}/_gitfed"          # or: source <(gitfed completion zsh) in ~/.zshrc`,
    )
    .action((shell: Shell) => {
      ctx.stdout.write(completionScript(describe(program), shell));
    });
}

/** The command tree as completion sees it. */
export function describe(command: Command): CompletionCommand {
  const flags = command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
  const words = command.registeredArguments[0]?.argChoices ?? [];
  return {
    name: command.name(),
    flags: [...flags, '--help'],
    words,
    subcommands: command.commands.filter((sub) => !(sub as Command & { _hidden?: boolean })._hidden).map(describe),
  };
}
