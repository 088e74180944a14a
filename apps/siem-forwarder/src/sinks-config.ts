import { RetryPolicy } from './delivery/retry-policy';
import { isSdName } from './format/syslog';
import { JsonReader } from './json-reader';

export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
}

export interface SyslogSinkConfig {
  readonly type: 'syslog';
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** null: plain TCP. */
  readonly tls: TlsMaterial | null;
  readonly facility: number;
  readonly appName: string;
  readonly hostname: string;
  /** SD-ID of the element carrying alert_id and event_id; null: no structured data. */
  readonly sdId: string | null;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

export interface WebhookSinkConfig {
  readonly type: 'webhook';
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly ca?: string;
  readonly retry: RetryPolicy;
}

export type SinkConfig = SyslogSinkConfig | WebhookSinkConfig;

export interface SinksConfig {
  readonly sinks: readonly SinkConfig[];
}

export interface SinksConfigContext {
  /** Where `secretEnv` names are looked up. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
  /** HOSTNAME of syslog messages unless a sink sets its own. */
  readonly defaultHostname: string;
}

/** The SD-ID used unless a sink sets one: 32473 is the example enterprise number of RFC 5612; deployments with a PEN set theirs. */
export const DEFAULT_SD_ID = 'tokenwarden@32473';

const DEFAULT_RETRY = { baseMs: 1000, maxMs: 60_000, maxAttempts: 0, maxElapsedSeconds: 86_400, maxRetryAfterSeconds: 3600 };
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MIN_SECRET_BYTES = 32;
// Set by the sink itself: a configured header must not replace them.
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'x-tokenwarden-signature', 'x-tokenwarden-timestamp', 'x-tokenwarden-alert-id', 'x-tokenwarden-event-id', 'idempotency-key'];

/**
 * Parses the sinks file (JSON). Returns the frozen config, or every problem
 * found, each naming its path; `where` names the source in messages.
 */
export function parseSinksConfig(text: string, where: string, ctx: SinksConfigContext): { config?: SinksConfig; problems: string[] } {
  const problems: string[] = [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problems: [`${where} is not valid JSON: ${(err as Error).message}`] };
  }
  const root = JsonReader.object(raw, where, problems);
  if (!root) return { problems };
  root.onlyKeys(['$comment', 'retry', 'sinks']);
  const defaults = retryPolicy(root, DEFAULT_RETRY).raw;
  const list = root.value.sinks;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${root.at('sinks')} must be a non-empty array`);
    return { problems };
  }
  const sinks = list.flatMap((item: unknown, i: number): SinkConfig[] => {
    const r = JsonReader.object(item, `${root.at('sinks')}[${i}]`, problems);
    if (!r) return [];
    const type = r.value.type;
    if (type === 'syslog') return [syslogSink(r, defaults, ctx)];
    if (type === 'webhook') return [webhookSink(r, defaults, ctx)];
    r.problem(`${r.at('type')} must be "syslog" or "webhook", got ${JSON.stringify(type)}`);
    return [];
  });
  const names = sinks.map((s) => s.name);
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`${where}: sink name "${dup}" is used twice`);
  if (problems.length > 0) return { problems };
  return { config: deepFreeze({ sinks }), problems };
}

type RetryDefaults = typeof DEFAULT_RETRY;
type ParsedRetry = { policy: RetryPolicy; raw: RetryDefaults };

/** `parent.retry` over `defaults`; absent keys keep the default. */
function retryPolicy(parent: JsonReader, defaults: RetryDefaults): ParsedRetry {
  const r = parent.value.retry === undefined ? undefined : parent.child('retry');
  r?.onlyKeys(Object.keys(DEFAULT_RETRY));
  const int = (key: keyof RetryDefaults, min: number, max: number) => r?.int(key, { default: defaults[key], min, max }) ?? defaults[key];
  const raw: RetryDefaults = {
    baseMs: int('baseMs', 1, 600_000),
    maxMs: int('maxMs', 1, 86_400_000),
    maxAttempts: int('maxAttempts', 0, 1_000_000),
    maxElapsedSeconds: int('maxElapsedSeconds', 0, 30 * 86_400),
    maxRetryAfterSeconds: int('maxRetryAfterSeconds', 0, 86_400),
  };
  if (raw.maxMs < raw.baseMs) parent.problem(`${parent.at('retry')}.maxMs must be >= baseMs`);
  if (raw.maxAttempts === 0 && raw.maxElapsedSeconds === 0) {
    parent.problem(`${parent.at('retry')} must bound retries: set maxAttempts or maxElapsedSeconds above 0`);
  }
  const policy = {
    baseMs: raw.baseMs,
    maxMs: raw.maxMs,
    maxAttempts: raw.maxAttempts,
    maxElapsedMs: raw.maxElapsedSeconds * 1000,
    maxRetryAfterMs: raw.maxRetryAfterSeconds * 1000,
  };
  return { policy, raw };
}

function syslogSink(r: JsonReader, defaults: RetryDefaults, ctx: SinksConfigContext): SyslogSinkConfig {
  r.onlyKeys(['type', 'name', 'host', 'port', 'tls', 'facility', 'appName', 'hostname', 'sdId', 'timeoutMs', 'retry']);
  const sdIdRaw = r.value.sdId;
  let sdId: string | null = DEFAULT_SD_ID;
  if (sdIdRaw === null) sdId = null;
  else if (sdIdRaw !== undefined) {
    sdId = r.string('sdId');
    if (!isSdName(sdId) || !/@\d+(\.\d+)*$/.test(sdId)) r.problem(`${r.at('sdId')} must be an SD-ID of the form name@<enterprise number>, or null`);
  }
  return {
    type: 'syslog',
    name: r.string('name', { pattern: NAME }),
    host: r.string('host', { max: 253 }),
    port: r.int('port', { min: 1, max: 65535 }),
    tls: r.value.tls === undefined || r.value.tls === false ? null : tlsMaterial(r, ctx),
    facility: r.int('facility', { default: 10, min: 0, max: 23 }),
    appName: r.string('appName', { default: 'tokenwarden', pattern: /^[!-~]{1,48}$/ }),
    hostname: r.string('hostname', { default: ctx.defaultHostname, pattern: /^[!-~]{1,255}$/ }),
    sdId,
    timeoutMs: r.int('timeoutMs', { default: 10_000, min: 100, max: 300_000 }),
    retry: retryPolicy(r, defaults).policy,
  };
}

/** `tls: true` verifies against the system CAs; an object names PEM files (a private CA, a client certificate). */
function tlsMaterial(r: JsonReader, ctx: SinksConfigContext): TlsMaterial | null {
  if (r.value.tls === true) return {};
  const t = r.child('tls');
  if (!t) return null;
  t.onlyKeys(['caFile', 'certFile', 'keyFile', 'serverName']);
  const material = {
    ca: pem(t, 'caFile', ctx),
    cert: pem(t, 'certFile', ctx),
    key: pem(t, 'keyFile', ctx),
    serverName: t.optionalString('serverName'),
  };
  if ((t.value.certFile === undefined) !== (t.value.keyFile === undefined)) t.problem(`${t.path}: certFile and keyFile go together`);
  return material;
}

function pem(r: JsonReader, key: string, ctx: SinksConfigContext): string | undefined {
  const file = r.optionalString(key);
  if (file === undefined || file === '') return undefined;
  try {
    const text = ctx.readFile(file);
    if (!text.includes('-----BEGIN ')) r.problem(`${r.at(key)}: ${file} is not a PEM file`);
    return text;
  } catch (err) {
    r.problem(`${r.at(key)}: cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

function webhookSink(r: JsonReader, defaults: RetryDefaults, ctx: SinksConfigContext): WebhookSinkConfig {
  r.onlyKeys(['type', 'name', 'url', 'secretEnv', 'timeoutMs', 'concurrency', 'headers', 'caFile', 'retry']);
  const url = r.string('url');
  if (url !== '') {
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') r.problem(`${r.at('url')} must be an http or https URL`);
      if (u.username !== '' || u.password !== '') r.problem(`${r.at('url')} must not carry credentials`);
    } catch {
      r.problem(`${r.at('url')} must be a URL, got ${JSON.stringify(url)}`);
    }
  }
  const secretEnv = r.string('secretEnv', { pattern: /^[A-Z_][A-Z0-9_]*$/ });
  const secret = secretEnv === '' ? '' : (ctx.env[secretEnv] ?? '');
  if (secretEnv !== '' && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    r.problem(`${r.at('secretEnv')}: environment variable ${secretEnv} must hold a secret of at least ${MIN_SECRET_BYTES} bytes`);
  }
  return {
    type: 'webhook',
    name: r.string('name', { pattern: NAME }),
    url,
    secret,
    timeoutMs: r.int('timeoutMs', { default: 10_000, min: 100, max: 300_000 }),
    concurrency: r.int('concurrency', { default: 4, min: 1, max: 64 }),
    headers: headers(r),
    ca: pem(r, 'caFile', ctx),
    retry: retryPolicy(r, defaults).policy,
  };
}

function headers(r: JsonReader): Record<string, string> {
  if (r.value.headers === undefined) return {};
  const h = r.child('headers');
  if (!h) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h.value)) {
    const lower = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) r.problem(`${h.at(name)}: not a valid header name`);
    else if (RESERVED_HEADERS.includes(lower)) r.problem(`${h.at(name)}: set by the forwarder itself`);
    else if (typeof value !== 'string' || !/^[\t\x20-\x7e]*$/.test(value)) r.problem(`${h.at(name)} must be a printable ASCII string`);
    else out[lower] = value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
