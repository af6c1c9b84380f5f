/**
 * Push webhooks from GitHub, Gitea and GitLab: verify the shared secret, and tell whether the push concerns the
 * followed branch. A verified push triggers an immediate fetch; the payload itself is never trusted for content.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerdict =
  | { accepted: true; provider: 'github' | 'gitea' | 'gitlab'; branch: string | null }
  | { accepted: false; status: 401 | 400; reason: string };

export function verifyWebhook(headers: Record<string, string | string[] | undefined>, body: Buffer, secret: string): WebhookVerdict {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let provider: 'github' | 'gitea' | 'gitlab';
  const github = header('x-hub-signature-256');
  const gitea = header('x-gitea-signature');
  const gitlab = header('x-gitlab-token');
  if (github) {
    if (!sameText(github, `sha256=${hmac(secret, body)}`)) return { accepted: false, status: 401, reason: 'signature does not match' };
    provider = 'github';
  } else if (gitea) {
    if (!sameText(gitea, hmac(secret, body))) return { accepted: false, status: 401, reason: 'signature does not match' };
    provider = 'gitea';
  } else if (gitlab) {
    if (!sameText(gitlab, secret)) return { accepted: false, status: 401, reason: 'token does not match' };
    provider = 'gitlab';
  } else {
    return { accepted: false, status: 401, reason: 'no X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token header' };
  }
  let ref: unknown;
  try {
    ref = (JSON.parse(body.toString('utf8')) as { ref?: unknown }).ref;
  } catch {
    return { accepted: false, status: 400, reason: 'body is not JSON' };
  }
  const branch = typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  return { accepted: true, provider, branch };
}

function hmac(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
