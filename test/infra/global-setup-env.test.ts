// globalSetup runs in Jest's parent process; this proves what it publishes in
// process.env reaches the test workers (and the in-band runner).
import { testEnv } from '@tokenwarden/testing';

describe('environment from test/support/global-setup.ts', () => {
  it('reaches this test process', () => {
    expect(['env', 'docker', 'local']).toContain(process.env.TW_TEST_INFRA_SOURCE);
    const env = testEnv();
    expect(env.kafkaBrokers.length).toBeGreaterThan(0);
    expect(env.kafkaBrokers.every((b) => /^[^:,\s]+:\d+$/.test(b))).toBe(true);
    expect(new URL(env.clickhouseUrl).protocol).toBe('http:');
  });
});
