import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/cli/logger.ts';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { stream, lines };
}

describe('logger', () => {
  it('writes JSON lines with child bindings', async () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream }).child({ revision: 'abc' }).child({ cluster: 'member1' }).info({ resource: 'Deployment/shop/web' }, 'applied');
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(lines[0] as string)).toMatchObject({ revision: 'abc', cluster: 'member1', resource: 'Deployment/shop/web', msg: 'applied' });
  });

  it('never writes tokens, passwords, kubeconfig contents or Secret data', async () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream }).info(
      { token: 'tok-123', auth: { password: 'pw-456' }, kubeconfig: 'apiVersion: v1 ... client-key-data: KEY', object: { data: { key: 'c2VjcmV0' }, stringData: { k: 'plain' } } },
      'something happened',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('\n');
    for (const secret of ['tok-123', 'pw-456', 'client-key-data', 'c2VjcmV0', 'plain']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
