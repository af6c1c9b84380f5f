import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/cli/commands/run.ts';
import { configurationDoc } from '../../../src/daemon/config-doc.ts';
import { configFromEnv, envName } from '../../../src/daemon/config.ts';
import { defaultRateLimit } from '../../../src/cluster/rate-limit.ts';

describe('daemon configuration', () => {
  it('keeps docs/configuration.md in step with the schema (npm run docs:config)', async () => {
    expect(await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationDoc());
  });

  it('fills defaults for everything but the repository', async () => {
    const config = await resolveConfig({ repo: 'https://git.example.com/fleet.git' }, {});
    expect(config).toMatchObject({ branch: 'main', interval: '30s', driftInterval: '5m', reportPath: 'status', listen: '127.0.0.1:9090', adopt: false });
  });

  it('lets flags win over the environment', async () => {
    const config = await resolveConfig({ repo: 'https://a.example/r.git', interval: '10s' }, { GITFED_INTERVAL: '1m', GITFED_BRANCH: 'prod' });
    expect(config.interval).toBe('10s');
    expect(config.branch).toBe('prod');
  });

  it('reads booleans from the environment', () => {
    expect(configFromEnv({ GITFED_ADOPT: 'true', GITFED_ALLOW_MASS_DELETION: '0' })).toEqual({ adopt: true, allowMassDeletion: false });
  });

  it('reads the request bounds from the environment, and refuses a member rate that is not positive', async () => {
    const config = await resolveConfig({ repo: 'x' }, { GITFED_MEMBER_QPS: '50', GITFED_MAX_REQUESTS_IN_FLIGHT: '128' });
    expect(config).toMatchObject({ memberQps: 50, maxRequestsInFlight: 128, memberRequestsInFlight: 16 });
    expect((await resolveConfig({ repo: 'x' }, {})).memberQps).toBe(defaultRateLimit.qps);
    await expect(resolveConfig({ repo: 'x' }, { GITFED_MEMBER_QPS: '0' })).rejects.toThrow(/memberQps/);
  });

  it('names environment variables after the keys', () => {
    expect(envName('webhookSecretFile')).toBe('GITFED_WEBHOOK_SECRET_FILE');
  });

  it('refuses a missing repository and a malformed duration with the setting named', async () => {
    await expect(resolveConfig({}, {})).rejects.toThrow(/repo/);
    await expect(resolveConfig({ repo: 'x', interval: 'soon' }, {})).rejects.toThrow(/interval: a duration/);
  });
});
