import { readFileSync } from 'node:fs';
import { ConfigError } from '@tokenwarden/config';

/** Which endpoint a producer's key opens: plain contract events, or one adapter. */
export type ProducerEndpoint = 'events' | 'keycloak' | 'auth0';
export const PRODUCER_ENDPOINTS: readonly ProducerEndpoint[] = ['events', 'keycloak', 'auth0'];

/**
 * What adapters cannot read from the source event and take from configuration
 * instead (documented in apps/ingest/README.md as "configured, not observed").
 */
export interface TokenDefaults {
  readonly alg: string;
  readonly accessTokenLifetimeSeconds: number;
  readonly refreshTokenLifetimeSeconds: number;
  readonly offlineTokenLifetimeSeconds: number;
}

export interface KeycloakRealm {
  readonly tenant: string;
  readonly issuer: string;
}

export interface KeycloakSettings extends TokenDefaults {
  /** By realm id (and/or realm name); events of other realms are parked. */
  readonly realms: Readonly<Record<string, KeycloakRealm>>;
}

export interface Auth0Settings extends TokenDefaults {
  readonly tenant: string;
  /** Issuer of the Auth0 tenant; null: `https://<data.hostname>/` of each log event. */
  readonly issuer: string | null;
}

export interface RateLimit {
  readonly eventsPerSecond: number;
  readonly burst: number;
}

export interface ProducerConfig {
  readonly id: string;
  /** SHA-256 of the producer's API key; the key itself is never stored. */
  readonly keySha256: Buffer;
  readonly endpoint: ProducerEndpoint;
  /** The only header.producer.service its events may carry (and what adapters write). */
  readonly service: string;
  readonly tenants: readonly string[];
  readonly rateLimit: RateLimit;
  readonly keycloak: KeycloakSettings | null;
  readonly auth0: Auth0Settings | null;
}

export interface ProducerLimits {
  /** Every producer's burst must fit one full request, or such a request could never pass. */
  readonly maxEventsPerRequest: number;
}

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Reads and validates the producers file; a ConfigError names every problem with its JSON path. */
export function loadProducers(path: string, limits: ProducerLimits): readonly ProducerConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`TW_INGEST_PRODUCERS_FILE ${path}: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return parseProducers(raw, limits, `TW_INGEST_PRODUCERS_FILE ${path}`);
}

export function parseProducers(raw: unknown, limits: ProducerLimits, source = 'producers'): readonly ProducerConfig[] {
  const r = new Reader();
  const root = r.object(raw, '', ['producers']);
  const list = r.array(root?.producers, 'producers');
  const producers = (list ?? []).map((p, i) => readProducer(r, p, `producers[${i}]`, limits));
  if (list && list.length === 0) r.problem('producers', 'must list at least one producer');
  const seen = new Map<string, string>();
  producers.forEach((p, i) => {
    if (!p) return;
    for (const [what, value] of [['id', p.id], ['keySha256', p.keySha256.toString('hex')]]) {
      const first = seen.get(`${what}:${value}`);
      if (first) r.problem(`producers[${i}].${what}`, `same as ${first}.${what}; each producer needs its own`);
      else seen.set(`${what}:${value}`, `producers[${i}]`);
    }
  });
  if (r.problems.length > 0) throw new ConfigError(r.problems.map((p) => `${source}: ${p}`));
  return Object.freeze(producers as ProducerConfig[]);
}

function readProducer(r: Reader, raw: unknown, at: string, limits: ProducerLimits): ProducerConfig | undefined {
  const keys = ['id', 'keySha256', 'endpoint', 'service', 'tenants', 'rateLimit', 'keycloak', 'auth0'];
  const o = r.object(raw, at, keys);
  if (!o) return undefined;
  const id = r.string(o.id, `${at}.id`, ID);
  const keyHex = r.string(o.keySha256, `${at}.keySha256`, SHA256_HEX, '64 lowercase hex digits (SHA-256 of the API key)');
  const endpoint = r.oneOf(o.endpoint, `${at}.endpoint`, PRODUCER_ENDPOINTS);
  const service = r.string(o.service, `${at}.service`, /^\S{1,64}$/);
  const tenantList = r.array(o.tenants, `${at}.tenants`);
  const tenants = (tenantList ?? []).map((t, i) => r.string(t, `${at}.tenants[${i}]`, /^\S{1,128}$/));
  if (tenantList && tenants.length === 0) r.problem(`${at}.tenants`, 'must list at least one tenant');
  const rl = r.object(o.rateLimit, `${at}.rateLimit`, ['eventsPerSecond', 'burst']);
  const eventsPerSecond = rl && r.number(rl.eventsPerSecond, `${at}.rateLimit.eventsPerSecond`, 0.001, 1e6);
  const burst = rl && r.number(rl.burst, `${at}.rateLimit.burst`, 1, 1e7);
  if (burst !== undefined && burst < limits.maxEventsPerRequest) {
    r.problem(`${at}.rateLimit.burst`, `must be >= TW_INGEST_MAX_EVENTS_PER_REQUEST (${limits.maxEventsPerRequest}), or a full request could never pass`);
  }
  const keycloak = o.keycloak === undefined ? null : readKeycloak(r, o.keycloak, `${at}.keycloak`, tenants);
  const auth0 = o.auth0 === undefined ? null : readAuth0(r, o.auth0, `${at}.auth0`, tenants);
  if (endpoint === 'keycloak' && o.keycloak === undefined) r.problem(`${at}.keycloak`, 'is required when endpoint is keycloak');
  if (endpoint === 'auth0' && o.auth0 === undefined) r.problem(`${at}.auth0`, 'is required when endpoint is auth0');
  if (endpoint !== 'keycloak' && o.keycloak !== undefined) r.problem(`${at}.keycloak`, 'is only allowed when endpoint is keycloak');
  if (endpoint !== 'auth0' && o.auth0 !== undefined) r.problem(`${at}.auth0`, 'is only allowed when endpoint is auth0');
  if (!id || !keyHex || !endpoint || !service || eventsPerSecond === undefined || burst === undefined) return undefined;
  return Object.freeze({
    id, keySha256: Buffer.from(keyHex, 'hex'), endpoint, service,
    tenants: Object.freeze(tenants.filter((t): t is string => t !== undefined)),
    rateLimit: Object.freeze({ eventsPerSecond, burst }),
    keycloak: keycloak ?? null, auth0: auth0 ?? null,
  });
}

const DEFAULT_KEYS = ['alg', 'accessTokenLifetimeSeconds', 'refreshTokenLifetimeSeconds', 'offlineTokenLifetimeSeconds'];

function readDefaults(r: Reader, o: Record<string, unknown>, at: string): TokenDefaults {
  const seconds = (v: unknown, name: string, def: number) =>
    v === undefined ? def : r.number(v, `${at}.${name}`, 1, 10 * 365 * 86400, true) ?? def;
  return {
    alg: o.alg === undefined ? 'RS256' : r.string(o.alg, `${at}.alg`, /^[A-Za-z0-9+_-]{2,32}$/) ?? 'RS256',
    // Keycloak's defaults: Access Token Lifespan 5 min, SSO Session Idle 30 min, Offline Session Idle 30 days.
    accessTokenLifetimeSeconds: seconds(o.accessTokenLifetimeSeconds, 'accessTokenLifetimeSeconds', 300),
    refreshTokenLifetimeSeconds: seconds(o.refreshTokenLifetimeSeconds, 'refreshTokenLifetimeSeconds', 1800),
    offlineTokenLifetimeSeconds: seconds(o.offlineTokenLifetimeSeconds, 'offlineTokenLifetimeSeconds', 30 * 86400),
  };
}

function readKeycloak(r: Reader, raw: unknown, at: string, tenants: readonly (string | undefined)[]): KeycloakSettings | undefined {
  const o = r.object(raw, at, ['realms', ...DEFAULT_KEYS]);
  if (!o) return undefined;
  const realmsRaw = r.object(o.realms, `${at}.realms`, null);
  const realms: Record<string, KeycloakRealm> = {};
  for (const [name, value] of Object.entries(realmsRaw ?? {})) {
    const ro = r.object(value, `${at}.realms.${name}`, ['tenant', 'issuer']);
    const tenant = r.string(ro?.tenant, `${at}.realms.${name}.tenant`, /^\S{1,128}$/);
    const issuer = r.url(ro?.issuer, `${at}.realms.${name}.issuer`);
    if (tenant && !tenants.includes(tenant)) r.problem(`${at}.realms.${name}.tenant`, 'must be one of the producer\'s tenants');
    if (tenant && issuer) realms[name] = Object.freeze({ tenant, issuer });
  }
  if (realmsRaw && Object.keys(realmsRaw).length === 0) r.problem(`${at}.realms`, 'must map at least one realm');
  return Object.freeze({ ...readDefaults(r, o, at), realms: Object.freeze(realms) });
}

function readAuth0(r: Reader, raw: unknown, at: string, tenants: readonly (string | undefined)[]): Auth0Settings | undefined {
  const o = r.object(raw, at, ['tenant', 'issuer', ...DEFAULT_KEYS]);
  if (!o) return undefined;
  const tenant = r.string(o.tenant, `${at}.tenant`, /^\S{1,128}$/);
  if (tenant && !tenants.includes(tenant)) r.problem(`${at}.tenant`, 'must be one of the producer\'s tenants');
  const issuer = o.issuer === undefined ? null : r.url(o.issuer, `${at}.issuer`) ?? null;
  // Auth0's defaults: API token lifetime 86400 s; refresh tokens 30 days (inactivity 15 days).
  const defaults = readDefaults(r, { accessTokenLifetimeSeconds: 86400, refreshTokenLifetimeSeconds: 2592000, ...o }, at);
  return tenant ? Object.freeze({ ...defaults, tenant, issuer }) : undefined;
}

/** Collects problems instead of stopping at the first, so one boot names them all. */
class Reader {
  readonly problems: string[] = [];

  problem(at: string, message: string): void {
    this.problems.push(`${at || '(root)'} ${message}`);
  }

  object(v: unknown, at: string, allowed: readonly string[] | null): Record<string, unknown> | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.problem(at, v === undefined ? 'is required' : 'must be an object');
      return undefined;
    }
    const o = v as Record<string, unknown>;
    // Keys starting with "//" are comments (JSON has none of its own).
    if (allowed) for (const k of Object.keys(o).filter((k) => !allowed.includes(k) && !k.startsWith('//'))) this.problem(at ? `${at}.${k}` : k, 'is not a known setting');
    return o;
  }

  array(v: unknown, at: string): unknown[] | undefined {
    if (Array.isArray(v)) return v;
    this.problem(at, v === undefined ? 'is required' : 'must be an array');
    return undefined;
  }

  string(v: unknown, at: string, shape: RegExp, shapeText = `a string matching ${shape}`): string | undefined {
    if (typeof v === 'string' && shape.test(v)) return v;
    this.problem(at, v === undefined ? 'is required' : `must be ${shapeText}`);
    return undefined;
  }

  oneOf<T extends string>(v: unknown, at: string, choices: readonly T[]): T | undefined {
    if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
    this.problem(at, v === undefined ? 'is required' : `must be one of ${choices.join(', ')}`);
    return undefined;
  }

  number(v: unknown, at: string, min: number, max: number, integer = false): number | undefined {
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))) return v;
    this.problem(at, v === undefined ? 'is required' : `must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}`);
    return undefined;
  }

  url(v: unknown, at: string): string | undefined {
    const s = this.string(v, at, /^https?:\/\/\S+$/, 'an http(s) URL');
    if (s === undefined) return undefined;
    try {
      new URL(s);
      return s;
    } catch {
      this.problem(at, 'must be an http(s) URL');
      return undefined;
    }
  }
}
