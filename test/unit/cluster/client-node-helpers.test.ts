import { describe, expect, it } from 'vitest';
import { groupVersionPath, reasonForReply } from '../../../src/cluster/client-node-cluster-client.ts';

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
