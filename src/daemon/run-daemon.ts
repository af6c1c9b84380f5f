/**
 * Wires the daemon: a manifest source (Git remote or a watched directory), the members, the reconcile queue and
 * its triggers (poll interval, webhook, drift timer, member readiness flips, file changes), and the HTTP side.
 * stop() finishes the reconcile in progress, writes nothing half-done, and releases everything.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Logger } from 'pino';
import { GitfedError } from '../model/diagnostic.ts';
import { createDirSource } from '../source/dir-source.ts';
import { gitAuthCallback, loadGitCredentials } from '../source/git-credentials.ts';
import { createGitSource, defaultGitCacheDir } from '../source/git-source.ts';
import { watchDir } from '../source/watch-dir.ts';
import { parseDuration } from '../cli/parse-duration.ts';
import type { DaemonConfig } from './config.ts';
import { startHttpServer } from './http-server.ts';
import { createMemberFleet } from './member-fleet.ts';
import { createMemberPool, probeIntervalMs } from './member-pool.ts';
import { createFleetLimits } from '../cluster/fleet-limits.ts';
import { createMetrics, type DaemonMetrics } from './metrics.ts';
import { createReconcileQueue, type TriggerReason } from './reconcile-queue.ts';
import { reconcile, type ManifestSource, type ReconcileOutcome, type ReconcileState } from './reconcile.ts';
import { startCoordination } from './start-coordination.ts';
import { startMulticlusterServices } from './start-multicluster-services.ts';
import { reportDetailsFolder } from '../report/report-files.ts';
import { shippedSchemas } from '../source/schema-bundles.ts';
import { withValidation } from '../validate/validate-render.ts';

export interface RunningDaemon {
  /** Base URL of the HTTP endpoints. */
  url: string;
  metrics: DaemonMetrics;
  trigger(reason: TriggerReason): void;
  /** Resolves when no reconcile runs or waits. */
  idle(): Promise<void>;
  /** The most recent reconcile outcome, for the CLI and tests. */
  lastOutcome(): ReconcileOutcome | undefined;
  stop(): Promise<void>;
}

export async function runDaemon(config: DaemonConfig, deps: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<RunningDaemon> {
  const env = deps.env ?? process.env;
  const logger = deps.logger;
  const requestLimits = createFleetLimits({ maxInFlight: config.maxRequestsInFlight, memberInFlight: config.memberRequestsInFlight, memberQps: config.memberQps });
  const metrics = createMetrics({ inFlight: () => requestLimits.gauge.total() });
  const closers: (() => Promise<void> | void)[] = [];
  const { source, watchable } = await createSource(config, env, logger);
  const members = createMemberPool({ kubeconfig: config.kubeconfig, requestLimits }, { logger });
  closers.push(() => members.close());
  const fleet = createMemberFleet(config, { logger, metrics, env });
  if (fleet) closers.push(() => fleet.close());
  const { coordinationContext } = config;
  const coordination = coordinationContext ? await startCoordination({ ...config, coordinationContext }, { logger, metrics, env }) : undefined;
  if (coordination) closers.push(() => coordination.close());

  // A --kube-version without shipped schemas stops the start, not every pass.
  await shippedSchemas(config.kubeVersion);
  const state: ReconcileState = { complete: false };
  let last: ReconcileOutcome | undefined;
  // With --multicluster-services: the MCS controller, run after every reconcile and on its members' watches.
  const mcs = config.multiclusterServices
    ? await startMulticlusterServices(config, {
      logger,
      metrics,
      members,
      clusters: () => state.lastGoodClusters,
      onSummaryChange: () => queue.trigger('multicluster-services'),
      resyncMs: parseDuration(config.interval),
    })
    : undefined;
  if (mcs) closers.push(() => mcs.close());
  const queue = createReconcileQueue(
    async (reasons) => {
      logger.debug({ reasons: [...reasons] }, 'reconcile');
      last = await reconcile(reasons, state, { instance: config.instance, adopt: config.adopt, allowMassDeletion: config.allowMassDeletion }, {
        source,
        members,
        ...(fleet ? { fleet } : {}),
        ...(coordination ? { shard: coordination.coordinator } : {}),
        metrics,
        logger,
        now: () => new Date(),
        ...(mcs ? { multiclusterServices: () => mcs.summary() } : {}),
        validate: async (rendered, model) => withValidation(rendered, model, await shippedSchemas(config.kubeVersion)),
      });
      mcs?.trigger('reconcile');
    },
    (err) => {
      // A bug in the recipe: still a failure with a stage reason, a metric, a log line and the next report.
      const message = err instanceof Error ? err.message : String(err);
      metrics.reconcileFailures.inc({ stage: 'InternalError' });
      logger.error({ err, stage: 'InternalError' }, 'reconcile failed unexpectedly');
      state.unreported = [...(state.unreported ?? []), { stage: 'InternalError', message }];
      last = { kind: 'failed', stage: 'InternalError', message, revision: state.applied ?? null };
    },
  );

  const webhookSecret = config.webhookSecretFile ? (await readFile(config.webhookSecretFile, 'utf8')).trim() : undefined;
  const http = await startHttpServer(config.listen, {
    logger,
    registry: metrics.registry,
    // With replicas, also: the Lease was renewed in time (a replica that cannot renew writes nothing).
    isReady: () => state.complete && (coordination?.coordinator.healthy() ?? true),
    webhookSecret,
    branch: config.branch,
    onPush: () => queue.trigger('webhook'),
  });
  closers.push(() => http.close());

  const timers = [
    setInterval(() => queue.trigger('interval'), parseDuration(config.interval)),
    setInterval(() => queue.trigger('drift'), parseDuration(config.driftInterval)),
    setInterval(() => {
      members.probeAll().then(
        (flipped) => {
          for (const cluster of flipped) {
            const ready = members.readiness().get(cluster)?.ready ?? false;
            metrics.memberReady.set({ cluster }, ready ? 1 : 0);
            logger.warn({ cluster, ready }, ready ? 'member is Ready again' : 'member is not Ready');
          }
          if (flipped.length > 0) queue.trigger('cluster-health');
        },
        (err: unknown) => {
          // Probes answer with a result, never a throw; one that throws is a bug, and the next pass says so.
          const message = err instanceof Error ? err.message : String(err);
          metrics.reconcileFailures.inc({ stage: 'ClusterNotReady' });
          logger.error({ err, stage: 'ClusterNotReady' }, 'member probes failed');
          state.unreported = [...(state.unreported ?? []), { stage: 'ClusterNotReady', message: `member probes failed: ${message}` }];
        },
      );
    }, probeIntervalMs),
  ];
  if (watchable) {
    const stopWatching = await watchDir(watchable.dir, () => queue.trigger('file-change'), { reportPath: config.reportPath }, { logger });
    closers.push(stopWatching);
  }
  if (coordination) {
    coordination.coordinator.onChange(() => queue.trigger('coordination'));
    await coordination.coordinator.start();
  }
  queue.trigger('startup');
  mcs?.start();
  logger.info({ url: http.url, repo: redactUrl(config.repo), branch: config.branch }, 'gitfed daemon started');

  return {
    url: http.url,
    metrics,
    trigger: (reason) => queue.trigger(reason),
    idle: () => queue.idle(),
    lastOutcome: () => last,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      // With replicas: stop writing and give the Leases up first, so the members move now, not after a duration.
      await coordination?.coordinator.release();
      await queue.stop();
      for (const close of closers.reverse()) await close();
      logger.info('gitfed daemon stopped');
    },
  };
}

async function createSource(
  config: DaemonConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<{ source: ManifestSource; watchable?: { dir: string } }> {
  if (!/^https?:\/\//.test(config.repo)) {
    const dir = createDirSource(config.repo, { reportPath: config.reportPath });
    return {
      watchable: { dir: config.repo },
      source: {
        fetch: async () => ({ revision: null, changed: true }),
        snapshot: () => dir.snapshot(),
        onlyReportChanged: async () => false,
        manifestsRevision: async (tip) => tip,
        publishReport: async (files) => ({ published: await dir.writeReport(files, { replace: [reportDetailsFolder] }), revision: null }),
      },
    };
  }
  if (config.reportBranch && config.reportBranch !== config.branch) {
    throw new GitfedError('UsageError', '--report-branch other than the followed branch is not supported yet; omit it to commit the report to the followed branch');
  }
  const credentials = await loadGitCredentials(config.gitCredentialsFile ? { file: config.gitCredentialsFile } : {}, { env, logger });
  const git = createGitSource(
    {
      url: config.repo,
      branch: config.branch,
      dir: config.cacheDir ?? defaultGitCacheDir(config.repo, config.branch, { env, homedir: os.homedir() }),
      ...(config.path ? { path: config.path } : {}),
      reportPath: config.reportPath,
    },
    { logger, ...(credentials ? { onAuth: gitAuthCallback(credentials) } : {}) },
  );
  return {
    source: {
      fetch: () => git.sync(),
      snapshot: (revision) => git.snapshot(revision as string),
      onlyReportChanged: (from, to) => git.onlyReportChanged(from, to),
      manifestsRevision: (tip) => git.manifestsRevision(tip),
      publishReport: async (files, message) => {
        const result = await git.commitReport(files, message, { replace: [reportDetailsFolder] });
        return { published: result.committed, revision: result.revision };
      },
    },
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
