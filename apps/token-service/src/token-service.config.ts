import { readFileSync } from 'node:fs';
import { ConfigError, ConfigOf, Field, field, infraSpec, parseConfig } from '@tokenwarden/config';
import { KEK_BYTES } from './keys/key-material';
import { MIN_SUBJECT_KEY_BYTES } from '@tokenwarden/jwt';
import { Pkcs11Config, pkcs11Config, pkcs11Spec } from './pkcs11.config';

/**
 * A secret key given as hex or base64url. Short keys are refused here, at boot
 * (ATTACKS.md 26), and the value never appears in a problem message.
 */
export function secretKey(o: { minBytes: number; exactBytes?: boolean }): Field<Buffer> {
  return {
    parse(raw, name) {
      const v = raw?.trim();
      if (!v) return { ok: false, problem: `${name} is required` };
      const bytes = /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex')
        : /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url') : undefined;
      if (!bytes) return { ok: false, problem: `${name} must be hex or base64url` };
      if (o.exactBytes ? bytes.length !== o.minBytes : bytes.length < o.minBytes) {
        return { ok: false, problem: `${name} must be ${o.exactBytes ? 'exactly' : 'at least'} ${o.minBytes} bytes, got ${bytes.length}` };
      }
      if (new Set(bytes).size < 8) return { ok: false, problem: `${name} has too little variety to be a random key` };
      return { ok: true, value: bytes };
    },
  };
}

/** Like secretKey, but absent is allowed (the feature it guards is then off). */
function optionalSecret(o: { minBytes: number }): Field<Buffer | undefined> {
  const inner = secretKey(o);
  return { parse: (raw, name) => (raw === undefined || raw.trim() === '' ? { ok: true, value: undefined } : inner.parse(raw, name)) };
}

/** Environment of the token service; parsed once at boot into a frozen object. */
export const tokenServiceSpec = {
  TW_KAFKA_BROKERS: infraSpec.TW_KAFKA_BROKERS,
  TW_TOPIC_PREFIX: infraSpec.TW_TOPIC_PREFIX,
  TW_TOPIC_PARTITIONS: infraSpec.TW_TOPIC_PARTITIONS,
  /** Create missing topics at boot (dev and tests); production topics come from infra. */
  TW_BOOTSTRAP_TOPICS: field.bool({ default: false }),
  TW_HTTP_PORT: field.int({ default: 8080, min: 0, max: 65535 }),
  TW_HTTP_HOST: field.string({ default: '0.0.0.0' }),
  /** Request bodies larger than this are refused (413) before they are parsed. */
  TW_MAX_BODY_BYTES: field.int({ default: 65536, min: 1024, max: 1048576 }),
  TW_TENANT_ID: field.string({ default: 'default' }),
  /** Names this process in event headers (pod or host name); empty: hostname and pid. */
  TW_INSTANCE_ID: field.string({ default: '' }),
  TW_SERVICE_VERSION: field.string({ default: '0.1.0' }),
  /** Audience /v1/validate pins when the caller names none; empty: the caller must name one. */
  TW_DEFAULT_AUDIENCE: field.string({ default: '' }),
  /** Bearer secret of the admin endpoints (erasure, rotation); absent: admin endpoints refuse every call. */
  TW_ADMIN_TOKEN: optionalSecret({ minBytes: 32 }),
  /** Only the leader runs the rotation schedule and writes TW_KEY_DIR; followers reload it. */
  TW_KEY_ROTATION_LEADER: field.bool({ default: true }),
  TW_KEY_TICK_MS: field.int({ default: 60000, min: 100 }),
  /** How often expired revocations get their tombstone. */
  TW_REVOCATION_SWEEP_MS: field.int({ default: 60000, min: 100 }),
  /** Longest a request waits for Kafka to acknowledge its audit event before answering 503. */
  TW_AUDIT_ACK_TIMEOUT_MS: field.int({ default: 5000, min: 100 }),
  TW_ISSUER: field.url(),
  TW_POLICY_FILE: field.string({ default: 'config/policy.json' }),
  TW_CLIENTS_FILE: field.string({ default: 'config/clients.json' }),
  /** AES-256-GCM key-encryption key for private signing keys at rest (software keys; also needed with an HSM for keys made before it). */
  TW_KEY_ENCRYPTION_KEY: secretKey({ minBytes: KEK_BYTES, exactBytes: true }),
  /** HMAC key for subject pseudonyms (subject_ref). */
  TW_SUBJECT_REF_KEY: secretKey({ minBytes: MIN_SUBJECT_KEY_BYTES }),
  /** Where sealed keys are persisted; empty keeps them in memory only. */
  TW_KEY_DIR: field.string({ default: '' }),
  ...pkcs11Spec,
};
export type TokenServiceConfig = ConfigOf<typeof tokenServiceSpec> & {
  /** HSM custody of new signing keys; undefined: software keys. */
  readonly pkcs11: Pkcs11Config | undefined;
};

/** Parses the environment (and a PIN file) once at boot; one ConfigError names every bad variable. */
export function loadTokenServiceConfig(
  source: Record<string, string | undefined>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): TokenServiceConfig {
  const problems: string[] = [];
  let env: ConfigOf<typeof tokenServiceSpec> | undefined;
  try {
    env = parseConfig(tokenServiceSpec, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  // The HSM fields cannot fail on their own, so their cross-checks run (and report) even when another variable is bad.
  const pkcs11 = pkcs11Config(parseConfig(pkcs11Spec, source), readFile, problems);
  if (problems.length > 0 || env === undefined) throw new ConfigError(problems);
  return Object.freeze({ ...env, pkcs11 });
}

/** RFC 8414 token endpoint derived from the issuer, used as the client-assertion audience. */
export const tokenEndpointOf = (issuer: string): string => `${issuer}/oauth2/token`;
