import { ConfigError } from '@tokenwarden/config';
import { loadProjectorConfig } from './projector.config';

describe('loadProjectorConfig', () => {
  it('has working defaults and a frozen result', () => {
    const cfg = loadProjectorConfig({});
    expect(cfg).toMatchObject({
      TW_PROJECTOR_GROUP: 'tokenwarden-projector',
      TW_PROJECTOR_METRICS_PORT: 9464,
      TW_PROJECTOR_MIN_BYTES: 65536,
      TW_PROJECTOR_MAX_WAIT_MS: 500,
      TW_PROJECTOR_CATCH_UP_LAG: 1000,
      TW_CLICKHOUSE_DATABASE: 'tokenwarden',
    });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable at once', () => {
    let caught: unknown;
    try {
      loadProjectorConfig({ TW_PROJECTOR_METRICS_PORT: 'x', TW_PROJECTOR_MAX_WAIT_MS: '0', TW_PROJECTOR_SESSION_TIMEOUT_MS: '1000' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'TW_PROJECTOR_METRICS_PORT must be an integer, got "x"',
      'TW_PROJECTOR_MAX_WAIT_MS must be >= 10, got 0',
      'TW_PROJECTOR_SESSION_TIMEOUT_MS must be >= 6000, got 1000',
    ]);
  });
});
