/** `gitfed validate`: load and render a repository, check what each member receives, print only the problems. */
import type { Command } from 'commander';
import { render } from '../../render/render.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { writeDiagnostics } from '../format-diagnostics.ts';
import { addKubeVersionOption, validateMembers, type ValidationFlags } from '../validation.ts';

export function registerValidate(program: Command, ctx: CliContext): void {
  addKubeVersionOption(program.command('validate'))
    .description('check a repository: YAML, schemas, types, placement, overrides and what every member receives (Kubernetes schemas, CRDs in the repository)')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .option('--live', "validate against the schemas each member publishes (/openapi/v3) instead of the shipped ones")
    .option('--kubeconfig <file>', 'with --live: kubeconfig with one context per member, named after the cluster (default: KUBECONFIG, ~/.kube/config)')
    .addHelpText(
      'after',
      '\nExamples:\n  gitfed validate --repo fixtures/quickstart\n  gitfed validate --kube-version 1.34\n  gitfed validate --live --kubeconfig ~/.kube/members\n\nExit codes: 0 valid, 1 errors, 2 usage errors.',
    )
    .action(async (flags: { repo: string } & ValidationFlags) => {
      const model = await loadRepo(flags.repo);
      const result = await validateMembers(render(model), model, flags);
      writeDiagnostics(ctx.stderr, result.diagnostics, flags.repo);
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = result.diagnostics.length - errors;
      const objects = Object.values(result.clusters).reduce((sum, list) => sum + list.length, 0);
      ctx.stdout.write(
        `${flags.repo}: ${model.clusters.length} clusters, ${model.objects.length} federated objects, ` +
          `${objects} member objects, ${errors} errors, ${warnings} warnings\n`,
      );
      if (errors > 0) ctx.fail('problems');
    });
}
