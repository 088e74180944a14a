import { ConfigError } from './config-error';
import { field } from './fields';
import { parseConfig } from './parse-config';

describe('parseConfig', () => {
  const spec = {
    PORT: field.int({ default: 8080, min: 1, max: 65535 }),
    BROKERS: field.list(),
    MODE: field.oneOf(['a', 'b'] as const, { default: 'a' }),
    DEBUG: field.bool({ default: false }),
  };

  it('parses values and applies defaults into a frozen object', () => {
    const cfg = parseConfig(spec, { BROKERS: 'h1:1, h2:2', DEBUG: 'true' });
    expect(cfg).toEqual({ PORT: 8080, BROKERS: ['h1:1', 'h2:2'], MODE: 'a', DEBUG: true });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable at once', () => {
    let caught: unknown;
    try {
      parseConfig(spec, { PORT: '70000', MODE: 'c', DEBUG: 'maybe' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT.*<= 65535/);
    expect(problems.join('\n')).toMatch(/BROKERS is required/);
    expect(problems.join('\n')).toMatch(/MODE must be one of a, b/);
    expect(problems.join('\n')).toMatch(/DEBUG must be true or false/);
    expect((caught as ConfigError).code).toBe('ERR_CONFIG_INVALID');
  });

  it('rejects non-integers for int fields', () => {
    expect(() => parseConfig({ N: field.int() }, { N: '12abc' })).toThrow(/N must be an integer/);
  });
});
