import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, ConfigOf, field, infraSpec, parseConfig } from '@tokenwarden/config';
import { parseSinksConfig, SinksConfig } from './sinks-config';

/**
 * Environment of the SIEM forwarder: the shared infrastructure variables plus
 * its own. The sinks come from a JSON file (TW_SIEM_SINKS_FILE) or inline JSON
 * (TW_SIEM_SINKS), exactly one of them; see sinks-config.ts for the format.
 */
export const siemForwarderSpec = {
  ...infraSpec,
  TW_SIEM_GROUP: field.string({ default: 'tokenwarden-siem-forwarder' }),
  /** Port of /metrics and /health; 0 picks a free port (logged at start). */
  TW_SIEM_METRICS_PORT: field.int({ default: 9466, min: 0, max: 65535 }),
  TW_SIEM_SINKS_FILE: field.string({ default: '-' }),
  TW_SIEM_SINKS: field.string({ default: '-' }),
  /** Product version named in CEF headers, OCSF metadata and the webhook User-Agent. */
  TW_SIEM_PRODUCT_VERSION: field.string({ default: '0.1.0' }),
  /** HOSTNAME of syslog messages unless a sink sets its own. */
  TW_SIEM_HOSTNAME: field.string({ default: hostname() || 'tokenwarden' }),
  /** How often a paused partition looks again whether a backing-off sink is due (jittered, doubling up to the max). */
  TW_SIEM_POLL_BASE_MS: field.int({ default: 200, min: 10, max: 60_000 }),
  TW_SIEM_POLL_MAX_MS: field.int({ default: 5000, min: 10, max: 600_000 }),
  /** Longest one delivery round may take; below the session timeout, so a slow SIEM never costs the partition. */
  TW_SIEM_ROUND_BUDGET_MS: field.int({ default: 10_000, min: 100, max: 300_000 }),
  TW_SIEM_SESSION_TIMEOUT_MS: field.int({ default: 30_000, min: 6000, max: 300_000 }),
  TW_SIEM_MAX_BYTES_PER_PARTITION: field.int({ default: 256 * 1024, min: 1024, max: 64 * 1024 * 1024 }),
  TW_SIEM_PARTITIONS_CONCURRENTLY: field.int({ default: 1, min: 1, max: 64 }),
  /** An alert record larger than this is dead-lettered unread. */
  TW_SIEM_MAX_RECORD_BYTES: field.int({ default: 256 * 1024, min: 1024, max: 16 * 1024 * 1024 }),
};

export type SiemForwarderEnv = ConfigOf<typeof siemForwarderSpec>;
export type SiemForwarderConfig = SiemForwarderEnv & { readonly sinks: SinksConfig };

/**
 * Parses the environment and the sinks file once at boot; throws one
 * ConfigError naming every bad variable and every bad sink setting.
 */
export function loadSiemForwarderConfig(
  source: Record<string, string | undefined>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): SiemForwarderConfig {
  const problems: string[] = [];
  let env: SiemForwarderEnv | undefined;
  try {
    env = parseConfig(siemForwarderSpec, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  // Plain strings that cannot fail, read on their own so that sink problems are reported with env problems.
  const { TW_SIEM_SINKS_FILE, TW_SIEM_SINKS, TW_SIEM_HOSTNAME } = siemForwarderSpec;
  const s = parseConfig({ TW_SIEM_SINKS_FILE, TW_SIEM_SINKS, TW_SIEM_HOSTNAME }, source);
  const sinks = readSinks(s.TW_SIEM_SINKS_FILE, s.TW_SIEM_SINKS, s.TW_SIEM_HOSTNAME, source, readFile, problems);
  if (env && env.TW_SIEM_ROUND_BUDGET_MS * 2 > env.TW_SIEM_SESSION_TIMEOUT_MS) {
    problems.push('TW_SIEM_ROUND_BUDGET_MS must be at most half of TW_SIEM_SESSION_TIMEOUT_MS (a round must not outlive the group session)');
  }
  if (env && env.TW_SIEM_POLL_MAX_MS < env.TW_SIEM_POLL_BASE_MS) problems.push('TW_SIEM_POLL_MAX_MS must be >= TW_SIEM_POLL_BASE_MS');
  if (problems.length > 0 || env === undefined || sinks === undefined) throw new ConfigError(problems);
  return Object.freeze({ ...env, sinks });
}

function readSinks(
  fileVar: string,
  inlineVar: string,
  defaultHostname: string,
  source: Record<string, string | undefined>,
  readFile: (path: string) => string,
  problems: string[],
): SinksConfig | undefined {
  const file = fileVar === '-' ? undefined : fileVar;
  const inline = inlineVar === '-' ? undefined : inlineVar;
  if ((file === undefined) === (inline === undefined)) {
    problems.push('set exactly one of TW_SIEM_SINKS_FILE (path of a JSON file) and TW_SIEM_SINKS (inline JSON)');
    return undefined;
  }
  let text = inline;
  if (file !== undefined) {
    try {
      text = readFile(file);
    } catch (err) {
      problems.push(`TW_SIEM_SINKS_FILE: cannot read ${file}: ${(err as Error).message}`);
      return undefined;
    }
  }
  const parsed = parseSinksConfig(text as string, file ?? 'TW_SIEM_SINKS', { env: source, readFile, defaultHostname });
  problems.push(...parsed.problems);
  return parsed.config;
}
