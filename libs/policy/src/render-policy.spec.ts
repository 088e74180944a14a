import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyFile, parsePolicy } from './parse-policy';
import { renderPolicyMarkdown } from './render-policy';
import { PolicyError } from './policy-error';

const root = join(__dirname, '../../..');

describe('renderPolicyMarkdown', () => {
  it('docs/token-policy.md is the render of config/policy.json (run node scripts/render-policy.js)', () => {
    const policy = loadPolicyFile(join(root, 'config/policy.json'));
    expect(readFileSync(join(root, 'docs/token-policy.md'), 'utf8')).toBe(renderPolicyMarkdown(policy));
  });

  it('states every enforced value', () => {
    const md = renderPolicyMarkdown(parsePolicy({
      policyVersion: 'v9', accessToken: { lifetimeSeconds: 600 }, algorithms: { allowed: ['ES256', 'EdDSA'] },
      consent: { requiredForScopes: ['health:read'] }, clockToleranceSeconds: 45, retentionDays: 731,
    }));
    for (const text of ['# Token policy `v9`', '600 s (10 min)', 'Clock tolerance: 45 s', '`ES256`, `EdDSA`',
      '`health:read`', '731 d', '8192 bytes', '(`KEY_RETIRED`)']) {
      expect(md).toContain(text);
    }
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.json')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_UNREADABLE' }) as PolicyError,
    );
  });
});
