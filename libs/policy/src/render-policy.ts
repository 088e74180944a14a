import { HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS, Policy, rotationTimings } from './policy';

const list = (xs: readonly string[]): string => (xs.length === 0 ? '(none)' : xs.map((x) => `\`${x}\``).join(', '));

/** "900 s (15 min)": auditors read minutes and days, machines read seconds. */
function duration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400) return `${seconds} s (${seconds / 86400} d)`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds} s (${seconds / 3600} h)`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds} s (${seconds / 60} min)`;
  return `${seconds} s`;
}

/**
 * The policy as a document for auditors: every rule the services enforce, with
 * the configured value. Deterministic (no dates), so the copy in the repo can be
 * compared with a fresh render in a test.
 */
export function renderPolicyMarkdown(p: Policy): string {
  const t = rotationTimings(p);
  return [
    `# Token policy \`${p.policyVersion}\``,
    '',
    'Generated from `config/policy.json` by `renderPolicyMarkdown`; do not edit by hand.',
    'The token service refuses to start when the policy file is invalid, and enforces',
    'every rule below at issuance, at validation, or both.',
    '',
    '## Access tokens (RFC 9068 JWT, `typ: at+jwt`)',
    `- Lifetime: at most ${duration(p.accessToken.lifetimeSeconds)}; the code caps it at ${duration(HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS)} whatever the file says.`,
    '  Issuance asking for more is refused (`LIFETIME_EXCEEDED`); a presented token whose `exp - iat` is longer is invalid.',
    `- Clock tolerance: ${p.clockToleranceSeconds} s, applied to \`exp\`, \`nbf\` and \`iat\`.`,
    `- Maximum presented token size: ${p.maxTokenSizeBytes} bytes, checked before any parsing (\`TOO_LARGE\`).`,
    '- Required claims, with JSON types checked: `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`.',
    '- Revocation and replay checks key on (`iss`, `jti`), never on the token string.',
    '',
    '## Algorithms and keys',
    `- Signing algorithm: \`${p.algorithms.signing}\`. Accepted at validation: ${list(p.algorithms.allowed)} (exact, case-sensitive).`,
    '- Never accepted: `none`, any `HS*` (shared secrets), or a key named by the token (`jwk`, `jku`, `x5u`, `x5c`).',
    '  Keys come only from the service\'s own key set, by `kid`; `crit` and `b64` headers are refused.',
    `- Key rotation period: ${p.keys.rotationPeriodDays} d. A new key is published one JWKS cache lifetime before it signs: ${duration(t.publishLeadSeconds)}.`,
    `- A replaced key stays published for token lifetime + clock tolerance + cache lifetime, ${duration(t.retireAfterSeconds)},`,
    '  then is retired; tokens signed by a retired key are invalid (`KEY_RETIRED`),',
    '  and those of a key revoked after a compromise at once (`KEY_REVOKED`).',
    '- Private keys are encrypted at rest (AES-256-GCM under a key-encryption key from configuration).',
    '',
    '## Claims',
    `- Forbidden in any token: ${list(p.claims.forbidden)} (names compared case-insensitively).`,
    `- Sensitive, carried only encrypted: ${list(p.claims.sensitive)}. A token with any of them is a nested JWT, signed and then`,
    '  encrypted (JWE) to the audience\'s registered key; a validator accepts it only when the inner signature verifies.',
    `- Nested JWT key management: ${list(p.encryption.keyManagement)}; content encryption: ${list(p.encryption.contentEncryption)}.`,
    '  Never accepted: `PBES2*`, `RSA1_5`, `dir` and other shared-key modes, compressed (`zip`) payloads.',
    '- A validator refuses a plain signed token that carries a forbidden or sensitive claim (`CLAIM_INVALID`).',
    '',
    '## Consent',
    `- Scopes that require a recorded consent: ${list(p.consent.requiredForScopes)}. Issuance without one is refused (\`CONSENT_MISSING\`).`,
    '',
    '## Refresh tokens',
    `- Absolute lifetime of a refresh family: ${duration(p.refreshToken.lifetimeSeconds)}; idle timeout: ${duration(p.refreshToken.idleTimeoutSeconds)}.`,
    '- Every refresh rotates the token; presenting a rotated token again revokes the whole family (RFC 9700 §4.14.2).',
    '',
    '## Audit data',
    `- Retention of audit events in the analyst database: ${p.retentionDays} d (whole monthly partitions are dropped past it).`,
    '- Events never carry the raw token, secrets or claim values beyond the contract; subjects appear as an HMAC-SHA256 pseudonym.',
    '',
  ].join('\n');
}
