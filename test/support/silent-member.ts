/**
 * A member that accepts connections and never answers, for the tests of what such a member costs the others:
 * the TCP server, and a copy of a lab kubeconfig with a context that reaches it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** A TCP server that accepts connections and never writes a byte (not even a TLS handshake). */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  [field: string]: unknown;
}

/**
 * `kubeconfig` plus a context `name` for `server` with member `like`'s CA and credentials, written to a temp dir
 * of its own; `cleanups` gets its removal.
 */
export async function kubeconfigWith(kubeconfig: string, member: { name: string; server: string; like: string }, cleanups: (() => Promise<unknown>)[]): Promise<string> {
  const config = parse(await readFile(kubeconfig, 'utf8')) as Kubeconfig;
  const cluster = config.clusters.find((c) => c.name === member.like);
  const user = config.users.find((u) => u.name === member.like);
  if (!cluster || !user) throw new Error(`${kubeconfig} has no cluster or user ${member.like}`);
  config.clusters.push({ name: member.name, cluster: { ...cluster.cluster, server: member.server } });
  config.users.push({ name: member.name, user: { ...user.user } });
  config.contexts.push({ name: member.name, context: { cluster: member.name, user: member.name } });
  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-kubeconfig-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}
