import { describe, expect, it } from 'vitest';
import { kubeconfigFromSecret } from '../../../src/cluster/capi-member-source.ts';

const secretToken = 'sekret-token-0123456789';
function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://10.0.0.1:6443' }): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
}

describe('kubeconfigFromSecret', () => {
  it('gives a client config and a fingerprint that changes with the credentials', () => {
    const first = kubeconfigFromSecret(kubeconfig({ token: secretToken }), 'Secret ns/a-kubeconfig');
    const second = kubeconfigFromSecret(kubeconfig({ token: `${secretToken}-rotated` }), 'Secret ns/a-kubeconfig');
    if ('unavailable' in first || 'unavailable' in second) throw new Error('expected credentials');
    expect(first.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.fingerprint).not.toBe(second.fingerprint);
  });

  it('refuses exec plugins and file references without reading them, naming only the keys', () => {
    for (const [user, cluster] of [
      [{ exec: { command: '/bin/sh', apiVersion: 'client.authentication.k8s.io/v1' } }, undefined],
      [{ 'token-file': '/etc/passwd' }, undefined],
      [{ 'client-certificate': '/root/cert', 'client-key': '/root/key' }, undefined],
      [{ token: secretToken }, { server: 'https://x', 'certificate-authority': '/etc/ca' }],
    ] as const) {
      const result = kubeconfigFromSecret(kubeconfig(user, cluster), 'Secret ns/a-kubeconfig');
      expect(result).toHaveProperty('unavailable');
      const message = (result as { unavailable: string }).unavailable;
      expect(message).toMatch(/^Secret ns\/a-kubeconfig: the kubeconfig uses .*which gitfed does not follow/);
      expect(message).not.toContain(secretToken);
    }
  });

  it('says a value that is no kubeconfig is not one, without quoting it', () => {
    const result = kubeconfigFromSecret(`apiVersion: v1\nusers: [ {token: ${secretToken}`, 'Secret ns/a-kubeconfig');
    expect(result).toHaveProperty('unavailable');
    expect((result as { unavailable: string }).unavailable).toMatch(/^Secret ns\/a-kubeconfig: key "value" is not a valid kubeconfig \(YAML error/);
    expect((result as { unavailable: string }).unavailable).not.toContain(secretToken);
  });

  it('says when the current context names no server', () => {
    const result = kubeconfigFromSecret(JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] }), 'Secret ns/a-kubeconfig');
    expect(result).toEqual({ unavailable: "Secret ns/a-kubeconfig: the kubeconfig's current context names no cluster server" });
  });
});
