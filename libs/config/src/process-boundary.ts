import { ConfigError } from './config-error';

export type LogLevel = 'info' | 'warn' | 'error';

/** The structured logger every service passes around: level, message, fields (never tokens, secrets or raw subjects). */
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** A log line writer: level, message, structured fields. */
export type JsonLineLog = (level: string, message: string, fields?: Record<string, unknown>) => void;

/**
 * One JSON object per line on stdout: what log shippers and the fault tests
 * read. Callers never pass tokens, secrets or raw subjects in `fields`.
 */
export function jsonLineLog(service: string): JsonLineLog {
  return (level, message, fields = {}) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields })}\n`);
  };
}

/** Runs `load` at boot; a ConfigError prints every problem and exits 2, anything else is rethrown. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
