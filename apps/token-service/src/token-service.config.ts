import { ConfigOf, Field, field, parseConfig } from '@tokenwarden/config';
import { KEK_BYTES } from './keys/key-material';
import { MIN_SUBJECT_KEY_BYTES } from './subject-ref';

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

/** Environment of the token service; parsed once at boot into a frozen object. */
export const tokenServiceSpec = {
  TW_ISSUER: field.url(),
  TW_POLICY_FILE: field.string({ default: 'config/policy.json' }),
  TW_CLIENTS_FILE: field.string({ default: 'config/clients.json' }),
  /** AES-256-GCM key-encryption key for private signing keys at rest. */
  TW_KEY_ENCRYPTION_KEY: secretKey({ minBytes: KEK_BYTES, exactBytes: true }),
  /** HMAC key for subject pseudonyms (subject_ref). */
  TW_SUBJECT_REF_KEY: secretKey({ minBytes: MIN_SUBJECT_KEY_BYTES }),
  /** Where sealed keys are persisted; empty keeps them in memory only. */
  TW_KEY_DIR: field.string({ default: '' }),
};
export type TokenServiceConfig = ConfigOf<typeof tokenServiceSpec>;

export const loadTokenServiceConfig = (source: Record<string, string | undefined>): TokenServiceConfig =>
  parseConfig(tokenServiceSpec, source);

/** RFC 8414 token endpoint derived from the issuer, used as the client-assertion audience. */
export const tokenEndpointOf = (issuer: string): string => `${issuer}/oauth2/token`;
