/**
 * The daemon's HTTP side: /healthz (the process runs), /readyz (a first reconcile completed), /metrics, and the
 * push webhook at POST /hooks/git.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { verifyWebhook } from './webhook.ts';

export interface HttpServerDeps {
  logger: Logger;
  registry: Registry;
  isReady(): boolean;
  /** The shared webhook secret; the webhook answers 404 without one. */
  webhookSecret: string | undefined;
  /** The followed branch: pushes to other branches are acknowledged and ignored. */
  branch: string;
  onPush(): void;
}

const maxBody = 5 * 1024 * 1024;

export async function startHttpServer(listen: string, deps: HttpServerDeps): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void handle(request).then(
      ({ status, body, type }) => {
        response.writeHead(status, { 'content-type': type ?? 'text/plain; charset=utf-8' });
        response.end(body);
      },
      (err: unknown) => {
        deps.logger.error({ err }, 'http handler failed');
        response.writeHead(500).end('internal error\n');
      },
    );
  });

  async function handle(request: IncomingMessage): Promise<{ status: number; body: string; type?: string }> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return { status: 200, body: 'ok\n' };
    if (request.method === 'GET' && path === '/readyz') {
      return deps.isReady() ? { status: 200, body: 'ok\n' } : { status: 503, body: 'waiting for the first complete reconcile\n' };
    }
    if (request.method === 'GET' && path === '/metrics') {
      return { status: 200, body: await deps.registry.metrics(), type: deps.registry.contentType };
    }
    if (path === '/hooks/git') {
      if (!deps.webhookSecret) return { status: 404, body: 'webhook disabled: start gitfed with --webhook-secret-file\n' };
      if (request.method !== 'POST') return { status: 405, body: 'use POST\n' };
      const body = await readBody(request);
      if (!body) return { status: 413, body: 'payload too large\n' };
      const verdict = verifyWebhook(request.headers, body, deps.webhookSecret);
      if (!verdict.accepted) {
        deps.logger.warn({ reason: verdict.reason }, 'webhook refused');
        return { status: verdict.status, body: `${verdict.reason}\n` };
      }
      if (verdict.branch !== null && verdict.branch !== deps.branch) return { status: 202, body: `ignored: push to ${verdict.branch}\n` };
      deps.logger.info({ provider: verdict.provider }, 'webhook push: fetching now');
      deps.onPush();
      return { status: 202, body: 'fetching\n' };
    }
    return { status: 404, body: 'not found\n' };
  }

  const [host, port] = splitListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function splitListen(listen: string): [string, number] {
  const colon = listen.lastIndexOf(':');
  return [listen.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(listen.slice(colon + 1))];
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
