/**
 * `gitfed orphaning-deletion enable|disable|status`: KubeFed's command of the same name (spec §6.2), on the
 * federated object's file in the repository instead of the host cluster. The annotation `kubefed.io/orphan` is
 * edited in place; every other byte of the file stays as it was.
 */
import path from 'node:path';
import { Argument, type Command } from 'commander';
import { orphanAnnotation } from '../../model/marks.ts';
import { locateFederatedObject, orphaningStatus, setOrphaning } from '../../kubefedctl/orphaning.ts';
import { writeRepoFile } from '../../kubefedctl/repo-files.ts';
import { readDirSnapshot } from '../../source/read-dir-snapshot.ts';
import type { CliContext } from '../context.ts';

interface OrphaningFlags {
  namespace?: string;
  repo: string;
}

export function registerOrphaningDeletion(program: Command, ctx: CliContext): void {
  program
    .command('orphaning-deletion')
    .description(`enable, disable or show orphaning deletion (annotation ${orphanAnnotation}) of a federated object in the repository`)
    .addArgument(new Argument('<action>', 'what to do').choices(['enable', 'disable', 'status']))
    .argument('<federated-type>', 'federated kind, plural or plural.group (FederatedDeployment, federateddeployments, …)')
    .argument('<name>', 'name of the federated object')
    .option('-n, --namespace <ns>', 'namespace of the federated object (default: the only object of that type and name)')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .addHelpText(
      'after',
      `
With orphaning enabled, when the federated object leaves Git (or a cluster leaves its placement) gitfed removes
its marks from the member copies and leaves them in place instead of deleting them. enable adds
${orphanAnnotation}: "true", disable removes the annotation, status prints Enabled or Disabled. The file is edited
in place: comments, key order and formatting elsewhere stay byte for byte. Commit the change to make it count.

Examples:
  gitfed orphaning-deletion enable FederatedDeployment web -n shop --repo .
  gitfed orphaning-deletion status federateddeployments web -n shop
  gitfed orphaning-deletion disable FederatedClusterRole readers

Exit codes: 0 done, 2 usage errors (no such object, or several match).`,
    )
    .action(async (action: 'enable' | 'disable' | 'status', type: string, name: string, flags: OrphaningFlags) => {
      const snapshot = await readDirSnapshot(flags.repo);
      const located = locateFederatedObject(snapshot.files, { type, name, namespace: flags.namespace });
      if (located.warning) ctx.stderr.write(`warning ${located.warning}\n`);
      if (action === 'status') {
        ctx.stdout.write(`${orphaningStatus(located.value)}\n`);
        return;
      }
      const text = snapshot.files.get(located.file) ?? '';
      const edited = setOrphaning(located.file, text, located, action === 'enable');
      const where = `${located.file}:${located.line}`;
      if (edited === text) {
        ctx.stdout.write(`${located.id}: orphaning deletion already ${action === 'enable' ? 'enabled' : 'disabled'} (${where})\n`);
        return;
      }
      await writeRepoFile(path.join(flags.repo, located.file), edited);
      ctx.stdout.write(`${located.id}: orphaning deletion ${action === 'enable' ? 'enabled' : 'disabled'} in ${where}\n`);
    });
}
