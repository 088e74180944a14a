import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '@tokenwarden/testing';

const ROOT = join(__dirname, '../..');

function boot(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(__dirname, '../../scripts/ts-register.js'), join(ROOT, 'apps/detector/src/main.ts')], {
      cwd: ROOT, env: { ...process.env, TW_DETECTOR_METRICS_PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('detector boot', () => {
  it('refuses a bad rules file with exit 2, naming the rule and the field', async () => {
    const rules = JSON.parse(readFileSync(join(ROOT, 'config/detection-rules.json'), 'utf8')) as { rules: Array<Record<string, unknown>> };
    rules.rules[2].threshold = 0;
    const file = join(tmpdir(), `${uniqueName('bad_rules')}.json`);
    writeFileSync(file, JSON.stringify(rules));
    const { code, stderr } = await boot({ TW_DETECTOR_RULES_FILE: file, TW_DETECTOR_MAX_KEYS_PER_RULE: '5' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/TW_DETECTOR_MAX_KEYS_PER_RULE must be >= 100/);
    const second = await boot({ TW_DETECTOR_RULES_FILE: file });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/rule "revoked-token-use"\.threshold must be an integer from 1 to 1000000, got 0/);
  });
});
