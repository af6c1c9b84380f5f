import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../src/daemon/webhook.ts';

const secret = 's3cret';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
const sign = (payload: Buffer, key = secret) => createHmac('sha256', key).update(payload).digest('hex');

describe('push webhooks', () => {
  it('accepts a GitHub push signed with the shared secret and names the branch', () => {
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${sign(body)}` }, body, secret)).toEqual({ accepted: true, provider: 'github', branch: 'main' });
  });

  it('accepts Gitea signatures and GitLab tokens', () => {
    expect(verifyWebhook({ 'x-gitea-signature': sign(body) }, body, secret)).toMatchObject({ accepted: true, provider: 'gitea' });
    expect(verifyWebhook({ 'x-gitlab-token': secret }, body, secret)).toMatchObject({ accepted: true, provider: 'gitlab' });
  });

  it('refuses a wrong signature, a body changed after signing, and an unsigned request', () => {
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${sign(body, 'other')}` }, body, secret)).toMatchObject({ accepted: false, status: 401 });
    const tampered = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'evil' }));
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${sign(body)}` }, tampered, secret)).toMatchObject({ accepted: false, status: 401 });
    expect(verifyWebhook({}, body, secret)).toMatchObject({ accepted: false, status: 401 });
    expect(verifyWebhook({ 'x-gitlab-token': 'nope' }, body, secret)).toMatchObject({ accepted: false, status: 401 });
  });

  it('rejects a signed body that is not JSON', () => {
    const junk = Buffer.from('not json');
    expect(verifyWebhook({ 'x-gitea-signature': sign(junk) }, junk, secret)).toMatchObject({ accepted: false, status: 400 });
  });

  it('reports pushes that are not to a branch (tags) with no branch', () => {
    const tag = Buffer.from(JSON.stringify({ ref: 'refs/tags/v1' }));
    expect(verifyWebhook({ 'x-gitea-signature': sign(tag) }, tag, secret)).toMatchObject({ accepted: true, branch: null });
  });
});
