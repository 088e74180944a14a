/** Thrown at boot when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
  readonly retriable = false;

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
