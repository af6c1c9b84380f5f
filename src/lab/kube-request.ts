/**
 * A minimal HTTPS client for the lab's own calls to its kube-apiservers (readiness, fake nodes), authenticated with
 * the admin client certificate. Kept to node:https so starting the lab depends on nothing but Node; every request
 * has a timeout.
 */
import { request } from 'node:https';

export interface KubeCredentials {
  /** PEM of the CA that signed the apiserver's serving certificate. */
  ca: string;
  /** PEM client certificate and key (the lab admin: O=system:masters). */
  cert: string;
  key: string;
}

export interface KubeRequest {
  method?: string;
  path: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export interface KubeResponse {
  status: number;
  body: string;
}

export function kubeRequest(server: string, credentials: KubeCredentials, req: KubeRequest): Promise<KubeResponse> {
  const url = new URL(req.path, server);
  const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const timeoutMs = req.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: req.method ?? 'GET',
        ca: credentials.ca,
        cert: credentials.cert,
        key: credentials.key,
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': req.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', (err) => {
      reject(err.name === 'AbortError' ? new Error(`${req.method ?? 'GET'} ${url.href} timed out after ${timeoutMs} ms`) : err);
    });
    r.end(payload);
  });
}
