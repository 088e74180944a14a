/** Signing algorithms a policy may allow for access tokens (asymmetric only). */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGORITHMS)[number];

/** JWE key management for nested tokens: recipient-public-key schemes only. */
export const KEY_MANAGEMENT_ALGORITHMS = ['ECDH-ES+A256KW', 'ECDH-ES+A128KW', 'ECDH-ES', 'RSA-OAEP-256'] as const;
export type KeyManagementAlg = (typeof KEY_MANAGEMENT_ALGORITHMS)[number];

export const CONTENT_ENCRYPTION_ALGORITHMS = ['A256GCM', 'A128GCM', 'A256CBC-HS512', 'A128CBC-HS256'] as const;
export type ContentEncryptionAlg = (typeof CONTENT_ENCRYPTION_ALGORITHMS)[number];

/** RFC 9068 recommends short-lived access tokens; 30 minutes is our ceiling whatever the file says. */
export const HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 1800;

/** Claims the token service sets itself; a policy may not forbid or encrypt them. */
export const REGISTERED_CLAIMS = [
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'auth_time', 'acr', 'amr', 'cnf', 'act', 'sid',
] as const;

/** Never allowed in a token, whatever the file says (secrets have no business in a bearer credential). */
export const BASELINE_FORBIDDEN_CLAIMS = ['password', 'passwd', 'pwd', 'secret', 'client_secret', 'private_key', 'api_key'] as const;

/** Raw personal data: the file must list each as forbidden, or as sensitive (then carried only encrypted). */
export const PERSONAL_DATA_CLAIMS = [
  'email', 'phone_number', 'address', 'birthdate', 'name', 'given_name', 'family_name',
] as const;

/** The validated, frozen governance policy. Durations carry their unit. */
export interface Policy {
  readonly policyVersion: string;
  readonly accessToken: { readonly lifetimeSeconds: number };
  readonly refreshToken: { readonly lifetimeSeconds: number; readonly idleTimeoutSeconds: number };
  readonly algorithms: { readonly allowed: readonly SigningAlg[]; readonly signing: SigningAlg };
  readonly encryption: {
    readonly keyManagement: readonly KeyManagementAlg[];
    readonly contentEncryption: readonly ContentEncryptionAlg[];
  };
  readonly keys: { readonly rotationPeriodDays: number; readonly jwksCacheSeconds: number };
  /** `forbidden` already includes the baseline; names compare case-insensitively. */
  readonly claims: { readonly forbidden: readonly string[]; readonly sensitive: readonly string[] };
  readonly consent: { readonly requiredForScopes: readonly string[] };
  readonly clockToleranceSeconds: number;
  readonly maxTokenSizeBytes: number;
  readonly retentionDays: number;
}

/** Rotation timings derived from the policy (issue 3, "Keys"). */
export interface RotationTimings {
  readonly rotationPeriodSeconds: number;
  /** A new key sits in the JWKS this long before it signs: one verifier cache lifetime. */
  readonly publishLeadSeconds: number;
  /** An old key stays published this long after it stops signing, then it is retired. */
  readonly retireAfterSeconds: number;
}

export function rotationTimings(policy: Policy): RotationTimings {
  return {
    rotationPeriodSeconds: policy.keys.rotationPeriodDays * 86400,
    publishLeadSeconds: policy.keys.jwksCacheSeconds,
    // Longest signed token (refresh tokens are opaque, so the access token) + skew + a stale cache.
    retireAfterSeconds:
      policy.accessToken.lifetimeSeconds + policy.clockToleranceSeconds + policy.keys.jwksCacheSeconds,
  };
}
