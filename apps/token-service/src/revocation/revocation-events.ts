import type { RevocationReason, TokenwardenEvent } from '@tokenwarden/events';
import { tokenRevoked } from '../audit/audit-events';
import { HeaderFactory, RequestContext } from '../audit/event-header';
import type { SubjectPseudonymizer } from '@tokenwarden/jwt';
import type { FamilyRevocation } from '../tokens/refresh-families';

/** An access token named for revocation, with what its event header needs. */
export interface RevokedAccess {
  readonly jti: string;
  /** exp claim, seconds. */
  readonly exp: number;
  readonly subject: string;
  readonly clientId: string;
  readonly familyId: string | null;
  readonly sessionId: string | null;
}

/** Builds TokenRevoked events for single tokens and whole refresh families. */
export class RevocationEvents {
  constructor(
    private readonly issuer: string,
    private readonly headers: HeaderFactory,
    private readonly pseudonyms: SubjectPseudonymizer,
  ) {}

  access(t: RevokedAccess, o: { ctx: RequestContext; reason: Exclude<RevocationReason, 'UNKNOWN'>; cascade: boolean; revokedBy: string }): TokenwardenEvent {
    const header = this.headers.header(o.ctx, { subjectRef: this.pseudonyms.subjectRef(t.subject), clientId: t.clientId, sessionId: t.sessionId });
    return tokenRevoked(header, {
      issuer: this.issuer, jti: t.jti, kind: 'ACCESS', reason: o.reason, cascade: o.cascade, familyId: t.familyId,
      expiresAtMs: t.exp * 1000, revokedBy: o.revokedBy,
    });
  }

  /**
   * Every refresh jti of the family and every live access token minted from it.
   * `direct` is the refresh jti the caller named (cascade false); all others cascade.
   */
  family(rev: FamilyRevocation, o: { ctx: RequestContext; revokedBy: string; direct?: string; skipAccess?: ReadonlySet<string> }): TokenwardenEvent[] {
    const g = rev.grant;
    const facts = { subjectRef: this.pseudonyms.subjectRef(g.subject), clientId: g.clientId, sessionId: g.sessionId ?? null };
    const refresh = rev.refreshJtis.map((jti) =>
      tokenRevoked(this.headers.header(o.ctx, facts), {
        issuer: this.issuer, jti, kind: 'REFRESH', reason: rev.reason, cascade: jti !== o.direct, familyId: rev.familyId,
        expiresAtMs: rev.expiresAtMs, revokedBy: o.revokedBy,
      }));
    const access = rev.accessTokens.filter((t) => !o.skipAccess?.has(t.jti)).map((t) =>
      this.access(
        { jti: t.jti, exp: t.exp, subject: g.subject, clientId: g.clientId, familyId: rev.familyId, sessionId: g.sessionId ?? null },
        { ctx: o.ctx, reason: rev.reason, cascade: true, revokedBy: o.revokedBy },
      ));
    return [...refresh, ...access];
  }
}
