/**
 * The lab's public surface for the CLI, the e2e tests, the benchmark and later the daemon: start, stop and inspect
 * a local multi-cluster lab (real kube-apiservers, etcd, controllers, kwok) with its smart-HTTP Git server.
 */
export { startLab, defaultMemberCount, maxMemberCount } from './start-lab.ts';
export type { StartLabOptions, StartLabDeps, StartLabResult } from './start-lab.ts';
export { stopLab } from './stop-lab.ts';
export type { StopLabResult } from './stop-lab.ts';
export { stopMemberApiserver, startMemberApiserver } from './member-apiserver.ts';
export type { StopApiserverResult, StartApiserverResult } from './member-apiserver.ts';
export { labStatus, formatLabStatus } from './lab-status.ts';
export type { LabState, LabStatus, MemberStatus, ProcessStatus } from './lab-status.ts';
export { readLabInfo, gitRepoUrl, labProfiles, profileOf } from './lab-info.ts';
export type { LabInfo, LabMember, LabGit, LabProfile } from './lab-info.ts';
export { labPaths } from './lab-paths.ts';
export type { LabPaths } from './lab-paths.ts';
export { resolveLabBinaries, buildScript } from './binaries.ts';
export type { LabBinaries } from './binaries.ts';
export { createBareRepo, seedBareRepo, createGitHttpHandler, findHttpBackend } from './git-server.ts';
export type { GitCredentials, GitHttpOptions, SeedOptions } from './git-server.ts';
export { kubeRequest } from './kube-request.ts';
export type { KubeCredentials, KubeRequest, KubeResponse } from './kube-request.ts';
export { readAdminCredentials, pkiFiles } from './pki.ts';
export type { LabPki } from './pki.ts';
export { readProcessRecords, readRssKiB } from './processes.ts';
export type { ProcessRecord, LabComponent } from './processes.ts';
export { createProgress } from './progress.ts';
export type { Progress } from './progress.ts';
