/**
 * `gitfed disable TYPE`: KubeFed's `kubefedctl disable` (spec §8) in the repository: propagation Disabled on the
 * type's FederatedTypeConfig (edited in place, or written when the repository has none). The renderer then skips
 * the type's federated objects with a TypeDisabled warning, and apply neither applies nor prunes their member
 * copies. `--delete` removes the FederatedTypeConfig instead (not for default types).
 */
import type { Command } from 'commander';
import { planDisable } from '../../kubefedctl/plan-type-config.ts';
import type { CliContext } from '../context.ts';
import { readRepoView } from '../../kubefedctl/repo-files.ts';
import { addTypeOptions, performChange, typeRequest, type TypeFlags } from './enable.ts';

export function registerDisable(program: Command, ctx: CliContext): void {
  addTypeOptions(program.command('disable'))
    .description('disable propagation of a type: set propagation Disabled in its FederatedTypeConfig in the repository')
    .option('--delete', 'remove the type\'s FederatedTypeConfig instead (refused for default types and while federated objects of the type remain)')
    .addHelpText(
      'after',
      `
Objects of a disabled type stay in Git and in the members: gitfed neither applies nor prunes them, and render,
validate and apply print a TypeDisabled warning for each. Enable the type again with gitfed enable.

Examples:
  gitfed disable deployments.apps --repo .
  gitfed disable FederatedStatefulSet
  gitfed disable widgets.example.com --delete

Exit codes: 0 written (or nothing to do), 2 usage errors.`,
    )
    .action(async (type: string | undefined, flags: TypeFlags & { delete?: boolean }) => {
      const change = planDisable(await readRepoView(flags.repo), { ...typeRequest(type, flags), delete: flags.delete ?? false });
      await performChange(ctx, flags.repo, change, flags.dryRun ?? false);
    });
}
