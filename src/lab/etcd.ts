/**
 * Starts the lab's one etcd (3.6), shared by every member's kube-apiserver through a distinct `--etcd-prefix`.
 * Data is throwaway (`--unsafe-no-fsync`), ports are free ones picked at start, and readiness is etcd's own
 * `GET /health` → `{"health":"true"}`.
 */
import { request } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { freePort, logShowsPortInUse, spawnComponent, stopProcesses, type LabProcess } from './processes.ts';
import { labPaths } from './lab-paths.ts';
import { waitFor } from './wait-for.ts';
import { GitfedError } from '../model/diagnostic.ts';

export interface StartedEtcd {
  process: LabProcess;
  /** http://127.0.0.1:<client port> */
  url: string;
}

export async function startEtcd(options: {
  labDir: string;
  binary: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<StartedEtcd> {
  const paths = labPaths(options.labDir);
  for (let attempt = 1; ; attempt++) {
    await rm(paths.etcdData, { recursive: true, force: true });
    await mkdir(paths.etcdData, { recursive: true, mode: 0o700 });
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const proc = await spawnComponent({
      labDir: options.labDir,
      id: 'etcd',
      component: 'etcd',
      command: options.binary,
      args: [
        '--name=lab',
        `--data-dir=${paths.etcdData}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=lab=${peer}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
        '--quota-backend-bytes=2147483648',
      ],
    });
    try {
      await waitFor(() => etcdHealthy(url), {
        what: `etcd at ${url} to report healthy`,
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: 100,
        processes: [proc],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { process: proc, url };
    } catch (err) {
      await stopProcesses(options.labDir, [proc.record], { graceMs: 2_000 });
      if (attempt < 3 && (await logShowsPortInUse(proc))) continue;
      throw err;
    }
  }
}

function etcdHealthy(url: string): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/health`, { agent: false, signal: AbortSignal.timeout(2_000) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body) as { health?: string };
          if (parsed.health === 'true') resolve(true);
          else reject(new GitfedError('InternalError', `etcd /health says ${body.trim()}`));
        } catch {
          reject(new Error(`etcd /health answered ${res.statusCode}: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
