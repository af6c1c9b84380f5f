import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHttpClient } from '../../../src/source/git-source.ts';

let server: Server;
let base = '';
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.end('hello');
    } else if (req.url === '/stall-body') {
      res.writeHead(200);
      res.write('partial');
    } else if (req.url === '/trickle') {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 50);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
    }
    // '/stall-head': never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function readAll(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<string> {
  let text = '';
  for await (const chunk of body ?? []) text += Buffer.from(chunk).toString('utf8');
  return text;
}

/** Milliseconds `promise` took to settle, and whether it rejected. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; rejected: boolean; error?: unknown }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, rejected: false };
  } catch (error) {
    return { ms: Date.now() - started, rejected: true, error };
  }
}

describe('createGitHttpClient', () => {
  const client = createGitHttpClient({ idleTimeoutMs: 200, timeoutMs: 500 });

  it('passes a normal response through', async () => {
    const res = await client.request({ url: `${base}/ok`, method: 'GET', headers: {} });
    expect(res.statusCode).toBe(200);
    expect(await readAll(res.body)).toBe('hello');
  });

  it('aborts a request whose server never answers', async () => {
    const result = await timed(client.request({ url: `${base}/stall-head`, method: 'GET', headers: {} }));
    expect(result.rejected).toBe(true);
    expect(result.ms).toBeLessThan(2_000);
  });

  it('aborts a body that stops arriving, instead of waiting forever', async () => {
    const res = await client.request({ url: `${base}/stall-body`, method: 'GET', headers: {} });
    const result = await timed(readAll(res.body));
    expect(result.rejected).toBe(true);
    expect(String(result.error)).toContain('no data from the Git server');
    expect(result.ms).toBeLessThan(2_000);
  });

  it('aborts a body that trickles past the overall deadline', async () => {
    const started = Date.now();
    const res = await client.request({ url: `${base}/trickle`, method: 'GET', headers: {} });
    const result = await timed(readAll(res.body));
    expect(result.rejected).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
