import { ConfigOf, Field, field, infraSpec, parseConfig } from '@tokenwarden/config';
import { MIN_SUBJECT_KEY_BYTES } from '@tokenwarden/jwt';

/** The token service's TW_SUBJECT_REF_KEY (hex or base64url): the guard must compute the same pseudonyms. */
const subjectKey: Field<Buffer> = {
  parse(raw, name) {
    const v = raw?.trim();
    if (!v) return { ok: false, problem: `${name} is required` };
    const bytes = /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex') : /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url') : undefined;
    if (!bytes) return { ok: false, problem: `${name} must be hex or base64url` };
    if (bytes.length < MIN_SUBJECT_KEY_BYTES) return { ok: false, problem: `${name} must be at least ${MIN_SUBJECT_KEY_BYTES} bytes, got ${bytes.length}` };
    return { ok: true, value: bytes };
  },
};

/** Environment of the demo resource server; parsed once at boot into a frozen object. */
export const demoApiSpec = {
  TW_KAFKA_BROKERS: infraSpec.TW_KAFKA_BROKERS,
  TW_TOPIC_PREFIX: infraSpec.TW_TOPIC_PREFIX,
  TW_ISSUER: field.string(),
  /** Where the token service publishes its keys; the only URL keys come from. */
  TW_JWKS_URL: field.string(),
  TW_DEMO_AUDIENCE: field.string({ default: 'https://api.tokenwarden.test' }),
  TW_POLICY_FILE: field.string({ default: 'config/policy.json' }),
  TW_SUBJECT_REF_KEY: subjectKey,
  TW_TENANT_ID: field.string({ default: 'default' }),
  TW_DEMO_PORT: field.int({ default: 8081, min: 0, max: 65535 }),
  TW_DEMO_HOST: field.string({ default: '127.0.0.1' }),
  TW_JWKS_COOLDOWN_MS: field.int({ default: 30_000, min: 1000, max: 3_600_000 }),
  TW_JWKS_MAX_AGE_MS: field.int({ default: 3_600_000, min: 60_000, max: 7 * 86_400_000 }),
  TW_GUARD_AUDIT_CAPACITY: field.int({ default: 10_000, min: 1, max: 1_000_000 }),
  TW_INSTANCE_ID: field.string({ default: '' }),
  TW_SERVICE_VERSION: field.string({ default: '0.1.0' }),
};
export type DemoApiConfig = ConfigOf<typeof demoApiSpec>;

/** Throws a ConfigError naming every bad variable. */
export const loadDemoApiConfig = (source: Record<string, string | undefined>): DemoApiConfig => parseConfig(demoApiSpec, source);
