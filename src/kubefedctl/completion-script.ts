/**
 * Shell completion scripts (pure) from a description of the command tree: command names, then each command's
 * subcommands, flags and fixed argument words (`orphaning-deletion enable|disable|status`, `completion bash|zsh`).
 * commander has no completion of its own; the `completion` command reads the tree from the program. zsh runs the
 * same function through bashcompinit. Where no word applies, the shell completes file names.
 */

export interface CompletionCommand {
  name: string;
  /** Long and short flags, e.g. `--repo`, `-n`. */
  flags: readonly string[];
  /** Words the first argument can be (choices). */
  words: readonly string[];
  subcommands: readonly CompletionCommand[];
}

export type Shell = 'bash' | 'zsh';

export function completionScript(program: CompletionCommand, shell: Shell): string {
  const fn = `_${program.name.replace(/[^A-Za-z0-9_]/g, '_')}_completion`;
  const entries: { path: string; words: string[]; flags: readonly string[] }[] = [];
  const walk = (command: CompletionCommand, path: string[]) => {
    entries.push({ path: path.join(' '), words: [...command.subcommands.map((sub) => sub.name), ...command.words], flags: command.flags });
    for (const sub of command.subcommands) walk(sub, [...path, sub.name]);
  };
  walk(program, []);
  const commandPaths = entries.filter((entry) => entry.path !== '').map((entry) => `"${entry.path}"`);
  const cases = entries.map((entry) => `    "${entry.path}") words="${entry.words.join(' ')}"; flags="${entry.flags.join(' ')}" ;;`);
  return [
    `# ${program.name} ${shell} completion. Load it with: source <(${program.name} completion ${shell})`,
    ...(shell === 'zsh' ? ['autoload -U +X bashcompinit && bashcompinit'] : []),
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="" word i words="" flags=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    case "$word" in -*) continue ;; esac',
    '    case "${path:+$path }$word" in',
    `      ${commandPaths.join('|')}) path="\${path:+$path }$word" ;;`,
    '    esac',
    '  done',
    '  case "$path" in',
    ...cases,
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )',
    '  elif [[ -n "$words" ]]; then',
    '    COMPREPLY=( $(compgen -W "$words" -- "$cur") )',
    '  fi',
    '}',
    `complete -o default -F ${fn} ${program.name}`,
    '',
  ].join('\n');
}
