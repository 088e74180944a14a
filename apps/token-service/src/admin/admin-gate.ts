import { timingSafeEqual } from 'node:crypto';
import { OAuthProblem } from '../oauth/oauth-problem';
import type { SubjectPseudonymizer } from '@tokenwarden/jwt';

const CHALLENGE = 'Bearer realm="tokenwarden-admin"';
const refused = () => new OAuthProblem(401, 'invalid_token', 'admin authentication required', CHALLENGE);

/** Decodes the presented secret the way the config decodes TW_ADMIN_TOKEN (hex or base64url). */
function bytesOf(v: string): Buffer | undefined {
  if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) return Buffer.from(v, 'hex');
  return /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url') : undefined;
}

/**
 * Admin endpoints (erasure, key rotation): `Authorization: Bearer <TW_ADMIN_TOKEN>`,
 * compared in constant time. Without a configured token every call is refused.
 * The operator may name itself in `X-Operator`; events carry only its pseudonym.
 */
export class AdminGate {
  constructor(private readonly token: Buffer | undefined, private readonly pseudonyms: SubjectPseudonymizer) {}

  /** Returns the audit name of the caller ("admin:<pseudonym>"), or throws 401. */
  authorize(authorization: string | undefined, operator: string | undefined): string {
    const m = authorization ? /^Bearer ([A-Za-z0-9_-]{1,512})$/.exec(authorization.trim()) : null;
    const presented = m ? bytesOf(m[1]) : undefined;
    if (!this.token || !presented || presented.length !== this.token.length || !timingSafeEqual(presented, this.token)) throw refused();
    const name = operator && /^[\x21-\x7E]{1,64}$/.test(operator) ? operator : 'unnamed';
    return `admin:${this.pseudonyms.subjectRef(`operator:${name}`).slice(0, 16)}`;
  }
}
