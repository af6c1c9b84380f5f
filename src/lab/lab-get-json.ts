/** A JSON GET against one lab member with the admin certificate: what reads its `/openapi/v3` (dump script, e2e). */
import type { JsonObject } from '../model/types.ts';
import { kubeRequest } from './kube-request.ts';
import { readLabInfo } from './lab-info.ts';
import { labPaths } from './lab-paths.ts';
import { pkiFiles, readAdminCredentials } from './pki.ts';

export async function labGetJson(dir: string, member: string): Promise<(path: string) => Promise<JsonObject>> {
  const info = await readLabInfo(dir);
  const server = info?.members.find((m) => m.name === member)?.server;
  if (!server) throw new Error(`${dir} holds no running lab with member ${member}`);
  const credentials = await readAdminCredentials(pkiFiles(labPaths(dir).pki));
  return async (path) => {
    const res = await kubeRequest(server, credentials, { path, timeoutMs: 30_000 });
    if (res.status !== 200) throw new Error(`GET ${path} on ${member}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as JsonObject;
  };
}
