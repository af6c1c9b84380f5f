/** `gitfed status`: what each member holds now, per object and per cluster (propagation, health, replicas). */
import { Option, type Command } from 'commander';
import { readLiveStatus } from '../../apply/live-status.ts';
import { readRolloutState } from '../../apply/rollout-store.ts';
import { describeRollout } from '../../rollout/describe-rollout.ts';
import { closeMembers, connectMembers } from '../../cluster/connect-members.ts';
import { render } from '../../render/render.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { startProgress } from '../progress-display.ts';
import { addMemberSourceOptions, discoverMembers, fleetModel, heldBackLines, type MemberSourceFlags } from '../member-source.ts';

export function registerStatus(program: Command, ctx: CliContext): void {
  const command = program.command('status');
  addMemberSourceOptions(command)
    .description('read back every rendered object from the members: propagation, health and replicas, with per-cluster counts')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .option('--kubeconfig <file>', 'kubeconfig with one context per member, named after the cluster')
    .option('--instance <name>', 'gitfed instance name', 'gitfed')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExample:\n  gitfed status --repo fixtures/quickstart --kubeconfig .lab/kubeconfig -o json\n\nExit codes: 0 all Current, 1 otherwise.')
    .action(async (flags: MemberSourceFlags & { repo: string; kubeconfig?: string; instance: string; output: 'text' | 'json' }) => {
      const { model, credentials, fleet } = fleetModel(await loadRepo(flags.repo), await discoverMembers(flags, { logger: ctx.logger }));
      ctx.stderr.write(heldBackLines(fleet));
      const rendered = render(model, { instance: flags.instance });
      const connections = await connectMembers(model.clusters.map((c) => c.name), { kubeconfig: flags.kubeconfig, ...(credentials ? { credentials } : {}) }, { logger: ctx.logger });
      try {
        const progress = startProgress(ctx, { output: flags.output, members: Object.keys(rendered.clusters) });
        const status = await readLiveStatus(rendered, connections, {
          instance: flags.instance,
          now: new Date().toISOString(),
          ...(progress ? { onProgress: progress.sink } : {}),
        }).finally(() => progress?.finish());
        // With a Rollout: its state as saved in the members (docs/rollouts.md).
        const rollout = model.rollout ? (await readRolloutState(connections, flags.instance)).stored?.state : undefined;
        if (flags.output === 'json') {
          ctx.stdout.write(`${JSON.stringify({ revision: model.revision, clusters: status, ...(rollout ? { rollout } : {}) }, null, 2)}\n`);
        } else {
          if (model.rollout) ctx.stdout.write(`${describeRollout(model.rollout, rollout, model.clusters, new Date()).join('\n')}\n`);
          for (const [cluster, member] of Object.entries(status)) {
            const counts = Object.entries(member.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
            ctx.stdout.write(`${cluster}: ${member.reachable ? counts || 'nothing placed' : `not reachable (${member.message})`}\n`);
            for (const object of member.objects) {
              const replicas = object.health.replicas ? ` ${object.health.replicas.ready}/${object.health.replicas.desired} ready` : '';
              const propagation = object.propagation && object.propagation !== 'ClusterPropagationOK' ? ` ${object.propagation}` : '';
              ctx.stdout.write(`  ${object.health.status.padEnd(11)} ${object.id}${propagation}${replicas}${object.health.message ? `: ${object.health.message}` : ''}\n`);
            }
          }
        }
        const allCurrent = Object.values(status).every((m) => m.reachable && m.objects.every((o) => o.health.status === 'Current'));
        if (!allCurrent) ctx.fail('problems');
      } finally {
        await closeMembers(connections);
      }
    });
}
