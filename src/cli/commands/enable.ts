/**
 * `gitfed enable TYPE`: KubeFed's `kubefedctl enable` (spec §1.1, §8) as a FederatedTypeConfig file in the
 * repository (`types/<name>.yaml`) for the user to commit. No CRD is needed: gitfed reads federated objects from Git.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { SCOPES } from '../../model/schemas.ts';
import type { Scope } from '../../model/types.ts';
import type { FileChange } from '../../kubefedctl/file-change.ts';
import { planEnable, type TypeRequest } from '../../kubefedctl/plan-type-config.ts';
import { readRepoView, removeFile, writeRepoFile } from '../../kubefedctl/repo-files.ts';
import type { CliContext } from '../context.ts';

export interface TypeFlags {
  repo: string;
  federatedGroup?: string;
  federatedVersion?: string;
  targetGroup?: string;
  targetVersion?: string;
  targetKind?: string;
  targetPlural?: string;
  scope?: Scope;
  dryRun?: boolean;
}

/** The flags enable and disable share. */
export function addTypeOptions(command: Command): Command {
  return command
    .argument('[type]', 'kind, plural, short name or plural.group of a known type (e.g. Deployment, statefulsets.apps, cm)')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .option('--federated-group <group>', 'group of the federated type (default types.kubefed.io)')
    .option('--federated-version <version>', 'version of the federated type (default v1beta1)')
    .option('--target-kind <kind>', 'for a type gitfed does not know: its kind')
    .option('--target-version <version>', 'for a type gitfed does not know: its version')
    .option('--target-group <group>', 'for a type gitfed does not know: its group (default: the core group)')
    .option('--target-plural <plural>', 'for a type gitfed does not know: its plural (default: KubeFed\'s plural of the kind)')
    .addOption(new Option('--scope <scope>', 'for a type gitfed does not know: its scope').choices([...SCOPES]))
    .option('--dry-run', 'print what would be written instead of writing it');
}

export function typeRequest(type: string | undefined, flags: TypeFlags): TypeRequest {
  return {
    name: type,
    target: { group: flags.targetGroup, version: flags.targetVersion, kind: flags.targetKind, pluralName: flags.targetPlural, scope: flags.scope },
    federatedGroup: flags.federatedGroup,
    federatedVersion: flags.federatedVersion,
  };
}

/** Performs the planned change (or prints it with --dry-run). */
export async function performChange(ctx: CliContext, repo: string, change: FileChange, dryRun: boolean): Promise<void> {
  if (change.action === 'none') {
    ctx.stdout.write(`${change.message}\n`);
    return;
  }
  if (dryRun) {
    ctx.stdout.write(`${change.planned}\n`);
    if (change.action === 'write') ctx.stdout.write(`--- ${change.file}\n${change.text}`);
    return;
  }
  const file = path.join(repo, change.file);
  if (change.action === 'write') await writeRepoFile(file, change.text);
  else await removeFile(file);
  ctx.stdout.write(`${change.message}\n`);
}

export function registerEnable(program: Command, ctx: CliContext): void {
  addTypeOptions(program.command('enable'))
    .description('enable federation of a type: write its FederatedTypeConfig (types/<name>.yaml) into the repository')
    .addHelpText(
      'after',
      `
The FederatedTypeConfig is KubeFed's: federated kind Federated<Kind> in types.kubefed.io/v1beta1 (or
--federated-group/--federated-version), named <plural>.<group>. The ten default types need no file. A type the
repository already enables is refused; a disabled one is enabled again in place.

Known types: the ten defaults (clusterroles, configmaps, deployments, ingresses, jobs, namespaces, replicasets,
secrets, serviceaccounts, services) and clusterrolebindings, roles, rolebindings, statefulsets, daemonsets,
persistentvolumeclaims, cronjobs, networkpolicies, horizontalpodautoscalers, poddisruptionbudgets, limitranges,
resourcequotas, storageclasses, priorityclasses, customresourcedefinitions.

Examples:
  gitfed enable statefulsets.apps --repo .
  gitfed enable RoleBinding
  gitfed enable --target-group example.com --target-version v1 --target-kind Widget --scope Namespaced
  gitfed enable deployments.apps --federated-group federation.example.com --dry-run

Exit codes: 0 written (or nothing to do), 1 already enabled, 2 usage errors.`,
    )
    .action(async (type: string | undefined, flags: TypeFlags) => {
      const change = planEnable(await readRepoView(flags.repo), typeRequest(type, flags));
      await performChange(ctx, flags.repo, change, flags.dryRun ?? false);
    });
}
