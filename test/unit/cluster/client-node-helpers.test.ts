import { describe, expect, it } from 'vitest';
import {
  groupVersionPath,
  reasonForReply,
  scrubSecrets,
  secretValuesOf,
} from '../../../src/cluster/client-node-cluster-client.ts';

describe('groupVersionPath', () => {
  it('puts the core group under /api and named groups under /apis', () => {
    expect(groupVersionPath('v1')).toBe('/api/v1');
    expect(groupVersionPath('apps/v1')).toBe('/apis/apps/v1');
  });
});

describe('reasonForReply', () => {
  it('maps status codes to Kubernetes reasons when the body names none', () => {
    expect(reasonForReply(404, null)).toBe('NotFound');
    expect(reasonForReply(409, null)).toBe('Conflict');
    expect(reasonForReply(422, null)).toBe('Invalid');
    expect(reasonForReply(429, null)).toBe('TooManyRequests');
    expect(reasonForReply(502, null)).toBe('InternalError');
  });
  it('calls the apiserver 500 for an undeclared field what it is: an invalid object', () => {
    const message = 'failed to create typed patch object (/x; /v1, Kind=ConfigMap): .extra: field not declared in schema';
    expect(reasonForReply(500, { message })).toBe('Invalid');
    expect(reasonForReply(500, { message: 'etcdserver: request timed out' })).toBe('InternalError');
  });
});

describe('secret scrubbing', () => {
  const plain = 'hunter2-SUPER-secret';
  const b64 = Buffer.from(plain).toString('base64');

  it('collects data values (encoded and decoded) and stringData values, nested ones too, but not entry keys', () => {
    const values = secretValuesOf({
      apiVersion: 'v1',
      kind: 'Secret',
      data: { password: b64, odd: [b64], ab: 'YQ==' },
      stringData: { token: 'tok-123456', nested: { inner: 'deep-value' } },
    });
    expect(values).toEqual(expect.arrayContaining([b64, plain, 'tok-123456', 'deep-value', 'inner']));
    expect(values).not.toContain('password');
    expect(values).not.toContain('a'); // too short to hide
  });

  it('collects nothing from other kinds', () => {
    expect(secretValuesOf({ kind: 'ConfigMap', data: { a: 'visible-value' } })).toEqual([]);
  });

  it('removes the values, quoted invalid values and typed-patch echoes, and keeps the field paths', () => {
    expect(scrubSecrets(`failed to create typed patch object (/s; /v1, Kind=Secret): .data.k: expected string, got &value.valueUnstructured{Value:[]interface {}{"${b64}"}}`, []))
      .toBe('failed to create typed patch object (/s; /v1, Kind=Secret): .data.k: expected string, got [redacted]');
    expect(scrubSecrets(`Secret "s" is invalid: data[bad key]: Invalid value: "${plain}": a valid config key`, []))
      .toBe('Secret "s" is invalid: data[bad key]: Invalid value: "[redacted]": a valid config key');
    expect(scrubSecrets(`something about ${plain} and ${b64}`, [b64, plain])).toBe('something about [redacted] and [redacted]');
  });
});
