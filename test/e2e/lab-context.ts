/**
 * How e2e tests reach the lab the global setup started (or reused): a typed `inject('lab')`, and small helpers
 * that give every call a timeout — client-node API clients per member, isomorphic-git auth and HTTP client.
 */
import {
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { gitRepoUrl, type LabInfo } from '../../src/lab/index.ts';

/** What the global setup provides: the lab description plus where it lives. */
export interface E2eLab extends LabInfo {
  /** The lab directory (absolute): state, logs, Git repositories. */
  dir: string;
  /** True when GITFED_E2E_LAB_DIR named a running lab that the run reuses (and never stops). */
  reused: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: E2eLab;
  }
}

export function useLab(): E2eLab {
  return inject('lab');
}

/** The lab kubeconfig with `member` as current context. */
export function kubeConfigFor(lab: E2eLab, member: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(lab.kubeconfig);
  kc.setCurrentContext(member);
  return kc;
}

/** A client-node API client for one member whose every request aborts after `timeoutMs`. */
export function apiClientFor<T>(
  lab: E2eLab,
  member: string,
  Api: new (configuration: ReturnType<typeof createConfiguration>) => T,
  timeoutMs = 15_000,
): T {
  const kc = kubeConfigFor(lab, member);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`no cluster for context ${member} in ${lab.kubeconfig}`);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return ctx;
        },
        post: async (res: ResponseContext) => res,
      },
    ],
  });
  return new Api(configuration);
}

export function objectApiFor(lab: E2eLab, member: string, timeoutMs = 15_000): KubernetesObjectApi {
  return apiClientFor(lab, member, KubernetesObjectApi, timeoutMs);
}

/** isomorphic-git's node HTTP client with a deadline per request. */
export function timedHttp(timeoutMs = 30_000): HttpClient {
  return {
    request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const deadline = AbortSignal.timeout(timeoutMs);
      return nodeHttp.request({ ...req, signal: req.signal ? AbortSignal.any([req.signal, deadline]) : deadline });
    },
  };
}

/** isomorphic-git auth callbacks with the lab's credentials (or the ones given). */
export function gitAuth(lab: E2eLab, credentials: { username: string; password: string } = lab.git) {
  return { onAuth: () => ({ username: credentials.username, password: credentials.password }) };
}

export function repoUrl(lab: E2eLab, name: string): string {
  return gitRepoUrl(lab.git, name);
}

/** A name no other test (or earlier run against a reused lab) has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
