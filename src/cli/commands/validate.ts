/** `gitfed validate`: load and render a repository, print only the problems. */
import type { Command } from 'commander';
import { render } from '../../render/render.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { writeDiagnostics } from '../format-diagnostics.ts';

export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check a repository: YAML, schemas, types, placement and overrides for every cluster')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .addHelpText('after', '\nExample:\n  gitfed validate --repo fixtures/quickstart\n\nExit codes: 0 valid, 1 errors, 2 usage errors.')
    .action(async (flags: { repo: string }) => {
      const model = await loadRepo(flags.repo);
      const result = render(model);
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
