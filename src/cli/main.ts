/**
 * The CLI entry: parses argv, runs one command, and is the only place that maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { GitfedError, formatPosition } from '../model/diagnostic.ts';
import { createLogger } from './logger.ts';
import type { CliContext, CommandOutcome, ExitCode } from './context.ts';
import { registerRender } from './commands/render.ts';
import { registerValidate } from './commands/validate.ts';
import { registerLab } from './commands/lab.ts';
import { registerApply } from './commands/apply.ts';
import { registerStatus } from './commands/status.ts';
import { registerRun } from './commands/run.ts';
import { registerDemo } from './commands/demo.ts';
import { registerJoin } from './commands/join.ts';
import { registerUnjoin } from './commands/unjoin.ts';
import { registerFederate } from './commands/federate.ts';
import { registerOrphaningDeletion } from './commands/orphaning-deletion.ts';
import { registerEnable } from './commands/enable.ts';
import { registerDisable } from './commands/disable.ts';
import { registerVersion } from './commands/version.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerPlan } from './commands/plan.ts';
import { registerClusters } from './commands/clusters.ts';

const exitCodes: Record<CommandOutcome, ExitCode> = { problems: 1, changes: 2 };

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv, { stdout: process.stdout, stderr: process.stderr });
}

export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<ExitCode> {
  let exitCode: ExitCode = 0;
  const ctx: CliContext = {
    stdout: io.stdout as CliContext['stdout'],
    stderr: io.stderr as CliContext['stderr'],
    logger: createLogger({ destination: io.stderr }),
    fail(outcome) {
      const code = exitCodes[outcome];
      if (code > exitCode) exitCode = code;
    },
  };
  const program = new Command('gitfed')
    .description('GitOps for KubeFed manifests: render, plan and apply federated objects to member clusters from Git')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError();
  registerRender(program, ctx);
  registerValidate(program, ctx);
  registerApply(program, ctx);
  registerPlan(program, ctx);
  registerStatus(program, ctx);
  registerClusters(program, ctx);
  registerRun(program, ctx);
  registerDemo(program, ctx);
  registerLab(program, ctx);
  registerJoin(program, ctx);
  registerUnjoin(program, ctx);
  registerFederate(program, ctx);
  registerOrphaningDeletion(program, ctx);
  registerEnable(program, ctx);
  registerDisable(program, ctx);
  registerVersion(program, ctx);
  registerCompletion(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof GitfedError) {
      const where = [formatPosition(err.where), err.where.cluster].filter(Boolean).join(' ');
      const code = err.reason ? `${err.code} (${err.reason})` : err.code;
      io.stderr.write(`${where ? `${where} ` : ''}error ${code} ${err.message}\n`);
      return err.code === 'UsageError' ? 2 : 1;
    }
    io.stderr.write(`gitfed: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
  return exitCode;
}
