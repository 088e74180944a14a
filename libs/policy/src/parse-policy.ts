import { readFileSync } from 'node:fs';
import { FieldReader, isPlainObject, Json } from './field-reader';
import {
  BASELINE_FORBIDDEN_CLAIMS, CONTENT_ENCRYPTION_ALGORITHMS, ContentEncryptionAlg,
  HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS, KEY_MANAGEMENT_ALGORITHMS, KeyManagementAlg,
  PERSONAL_DATA_CLAIMS, Policy, REGISTERED_CLAIMS, SIGNING_ALGORITHMS, SigningAlg,
} from './policy';
import { PolicyError } from './policy-error';

const TOP = ['policyVersion', 'accessToken', 'refreshToken', 'algorithms', 'encryption', 'keys', 'claims',
  'consent', 'clockToleranceSeconds', 'maxTokenSizeBytes', 'retentionDays', '$comment'];
const CLAIM_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

function signingAlg(s: string): string | undefined {
  if (/^HS/i.test(s)) return 'is forbidden for access tokens (a shared HMAC secret lets every verifier mint tokens)';
  if (s.toLowerCase() === 'none') return 'is forbidden (unsigned tokens)';
  return (SIGNING_ALGORITHMS as readonly string[]).includes(s) ? undefined : `must be one of ${SIGNING_ALGORITHMS.join(', ')}`;
}

function keyManagementAlg(s: string): string | undefined {
  if (/^PBES2/i.test(s)) return 'is forbidden (password-based, attacker-chosen iteration counts)';
  if (s === 'RSA1_5') return 'is forbidden (padding-oracle prone)';
  return (KEY_MANAGEMENT_ALGORITHMS as readonly string[]).includes(s)
    ? undefined : `must be one of ${KEY_MANAGEMENT_ALGORITHMS.join(', ')}`;
}

const contentAlg = (s: string): string | undefined =>
  (CONTENT_ENCRYPTION_ALGORITHMS as readonly string[]).includes(s)
    ? undefined : `must be one of ${CONTENT_ENCRYPTION_ALGORITHMS.join(', ')}`;

function claimName(s: string): string | undefined {
  if (!CLAIM_NAME.test(s)) return `must be a claim name matching ${CLAIM_NAME}`;
  return (REGISTERED_CLAIMS as readonly string[]).includes(s) ? 'is a registered claim the service sets itself' : undefined;
}

/** Validates a parsed policy document; throws PolicyError naming every bad field. */
export function parsePolicy(raw: unknown): Policy {
  const r = new FieldReader();
  if (!isPlainObject(raw)) throw new PolicyError('ERR_POLICY_INVALID', ['the policy must be a JSON object']);
  r.unknownKeys(raw, '', TOP);

  const at = r.section(raw, 'accessToken', 'accessToken', ['lifetimeSeconds']);
  const accessLifetime = r.int(at, 'lifetimeSeconds', 'accessToken', {
    def: 900, min: 60, max: HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS, why: 'hard maximum 30 min' });

  const rt = r.section(raw, 'refreshToken', 'refreshToken', ['lifetimeSeconds', 'idleTimeoutSeconds']);
  const refreshLifetime = r.int(rt, 'lifetimeSeconds', 'refreshToken', { def: 1209600, min: 3600, max: 7776000 });
  const idle = r.int(rt, 'idleTimeoutSeconds', 'refreshToken', {
    def: Math.min(86400, refreshLifetime), min: 300, max: refreshLifetime, why: 'at most refreshToken.lifetimeSeconds' });

  const algs = r.section(raw, 'algorithms', 'algorithms', ['allowed', 'signing']);
  const allowed = r.list(algs, 'allowed', 'algorithms', ['ES256'], signingAlg, { nonEmpty: true }) as SigningAlg[];
  const signing = (algs.signing ?? (allowed.includes('ES256') ? 'ES256' : allowed[0])) as SigningAlg;
  // With no usable algorithm left, the item problems above already say why.
  if (allowed.length > 0 && !allowed.includes(signing)) r.problems.push(`algorithms.signing must be one of algorithms.allowed, got ${JSON.stringify(signing)}`);

  const enc = r.section(raw, 'encryption', 'encryption', ['keyManagement', 'contentEncryption']);
  const keyManagement = r.list(enc, 'keyManagement', 'encryption', ['ECDH-ES+A256KW'], keyManagementAlg,
    { nonEmpty: true }) as KeyManagementAlg[];
  const contentEncryption = r.list(enc, 'contentEncryption', 'encryption', ['A256GCM'], contentAlg,
    { nonEmpty: true }) as ContentEncryptionAlg[];

  const keys = r.section(raw, 'keys', 'keys', ['rotationPeriodDays', 'jwksCacheSeconds']);
  const rotationPeriodDays = r.int(keys, 'rotationPeriodDays', 'keys', { def: 90, min: 1, max: 365 });
  const jwksCacheSeconds = r.int(keys, 'jwksCacheSeconds', 'keys', {
    def: 300, min: 0, max: Math.min(86400, rotationPeriodDays * 43200), why: 'at most half the rotation period' });

  const claims = readClaims(r, raw);
  const consent = r.section(raw, 'consent', 'consent', ['requiredForScopes']);
  const requiredForScopes = r.list(consent, 'requiredForScopes', 'consent', [],
    (s) => (SCOPE_TOKEN.test(s) ? undefined : 'must be an RFC 6749 scope token'));

  const policy: Policy = {
    policyVersion: r.string(raw, 'policyVersion', '', /^[\w.:-]{1,64}$/),
    accessToken: { lifetimeSeconds: accessLifetime },
    refreshToken: { lifetimeSeconds: refreshLifetime, idleTimeoutSeconds: idle },
    algorithms: { allowed, signing },
    encryption: { keyManagement, contentEncryption },
    keys: { rotationPeriodDays, jwksCacheSeconds },
    claims,
    consent: { requiredForScopes },
    clockToleranceSeconds: r.int(raw, 'clockToleranceSeconds', '', { def: 30, min: 0, max: 120 }),
    maxTokenSizeBytes: r.int(raw, 'maxTokenSizeBytes', '', { def: 8192, min: 1024, max: 65536 }),
    retentionDays: r.int(raw, 'retentionDays', '', { def: 400, min: 30, max: 3650 }),
  };
  if (r.problems.length > 0) throw new PolicyError('ERR_POLICY_INVALID', r.problems);
  return deepFreeze(policy);
}

function readClaims(r: FieldReader, raw: Json): Policy['claims'] {
  const c = r.section(raw, 'claims', 'claims', ['forbidden', 'sensitive']);
  const listed = r.list(c, 'forbidden', 'claims', [], claimName);
  const sensitive = r.list(c, 'sensitive', 'claims', PERSONAL_DATA_CLAIMS, claimName);
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const forbidden = [...BASELINE_FORBIDDEN_CLAIMS, ...listed.filter((x) => !lower(BASELINE_FORBIDDEN_CLAIMS).has(x.toLowerCase()))];
  const f = lower(forbidden);
  for (const s of sensitive) if (f.has(s.toLowerCase())) r.problems.push(`claims.sensitive lists "${s}", which is forbidden`);
  const s = lower(sensitive);
  for (const p of PERSONAL_DATA_CLAIMS) {
    if (!f.has(p) && !s.has(p)) r.problems.push(`claims: personal-data claim "${p}" must be listed in claims.forbidden or claims.sensitive`);
  }
  return { forbidden, sensitive };
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads and validates a policy file at boot. */
export function loadPolicyFile(path: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new PolicyError('ERR_POLICY_UNREADABLE', [`${path}: ${(cause as Error).message}`], { cause });
  }
  return parsePolicy(raw);
}
