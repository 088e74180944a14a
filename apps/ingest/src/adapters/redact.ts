import { SubjectPseudonyms } from './source-adapter';

// Keys whose values identify a person or are credentials: dropped from parked copies.
const DROP = /^(user_?name|email|e-?mail|phone(_?number)?|password|secret|client_secret|code|code_verifier|refresh_token|access_token|id_token|token|subject_token|assertion|client_assertion|cookie|authorization|representation|(first|last|given|family|nick)_?name|nickname|user_agent|body|request|response|query|headers)$/i;
// Keys holding a user id: replaced by its pseudonym, so a parked event can still be correlated.
const PSEUDONYMIZE = /^(user_?id|sub|subject)$/i;
const JWT = /eyJ[A-Za-z0-9_-]{2,}(\.[A-Za-z0-9_-]*){2,4}/g;
const EMAIL = /[^\s@"]+@[^\s@"]+\.[A-Za-z]{2,}/g;
const MAX_DEPTH = 32;

/**
 * A copy of a source event that is safe to keep on dead-letters (retained
 * forever, so erasure must not depend on finding it): user ids become
 * `hmac:<subject_ref>`, personal and secret fields are dropped, e-mail
 * addresses and JWTs inside strings are masked. IPs stay, as in events.
 */
export function redactSourceEvent(raw: unknown, pseudonyms: SubjectPseudonyms): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) return '[too deep]';
    if (typeof v === 'string') return v.replace(JWT, '[jwt]').replace(EMAIL, '[email]');
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (DROP.test(k)) out[k] = '[redacted]';
      else if (PSEUDONYMIZE.test(k) && typeof x === 'string') out[k] = `hmac:${pseudonyms.subjectRef(x)}`;
      else if (k === 'resourcePath' && typeof x === 'string') out[k] = x.replace(/^users\/([^/]+)/, (_m, id: string) => `users/hmac:${pseudonyms.subjectRef(id)}`);
      else out[k] = walk(x, depth + 1);
    }
    return out;
  };
  return walk(raw, 0);
}
