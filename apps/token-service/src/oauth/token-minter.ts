import type { TokenwardenEvent } from '@tokenwarden/events';
import { accessIssued, DeniedFacts, issuanceDenied, refreshIssued } from '../audit/audit-events';
import { AuditPublisher, AuditUnavailableError } from '../audit/audit-publisher';
import { HeaderFacts, HeaderFactory, RequestContext } from '../audit/event-header';
import type { ServiceMetrics } from '../audit/service-metrics';
import type { GrantType, RegisteredClient } from '../clients/client-config';
import { DENIALS } from '../reason-codes';
import type { RevocationEvents } from '../revocation/revocation-events';
import type { RevocationSet, SubjectPseudonymizer } from '@tokenwarden/jwt';
import type { AccessTokenIssuer } from '../tokens/access-token-issuer';
import type { LiveTokens } from '../tokens/live-tokens';
import type { IssuedRefreshToken, RefreshFamilies, RotateResult } from '../tokens/refresh-families';
import { OAuthProblem, unavailable } from './oauth-problem';

export interface TokenMinterDeps {
  readonly issuerId: string;
  readonly issuer: AccessTokenIssuer;
  readonly families: RefreshFamilies;
  readonly live: LiveTokens;
  readonly audit: AuditPublisher;
  readonly headers: HeaderFactory;
  readonly pseudonyms: SubjectPseudonymizer;
  readonly metrics: ServiceMetrics;
  readonly revocations: RevocationEvents;
  readonly set: RevocationSet;
  readonly now: () => number;
}

export type Rotated = Extract<RotateResult, { kind: 'ROTATED' }>;

export interface MintInput {
  readonly ctx: RequestContext;
  readonly client: RegisteredClient;
  readonly grantType: GrantType;
  readonly subject: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly consentedScopes: readonly string[];
  readonly sessionId: string | null;
  readonly consentRef: string | null;
  /** none: access token only; family: start a refresh family; rotated: a refresh rotation to complete. */
  readonly refresh: { readonly kind: 'none' } | { readonly kind: 'family' } | { readonly kind: 'rotated'; readonly rotation: Rotated };
}

export interface Minted {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string;
  readonly refresh?: IssuedRefreshToken;
}

/**
 * Mints an access token (and the refresh token of its family), publishes
 * TokenIssued for each and hands them out only once Kafka acknowledged: if it
 * does not, the family is discarded or the rotation undone, and the caller gets 503.
 */
export class TokenMinter {
  constructor(private readonly d: TokenMinterDeps) {}

  async mint(m: MintInput): Promise<Minted> {
    const { d } = this;
    const issued = await d.issuer.issue({
      client: m.client, grantType: m.grantType, subject: m.subject, audience: m.audience, scopes: m.scopes, consentedScopes: m.consentedScopes,
    });
    if (!issued.ok) {
      if (m.refresh.kind === 'rotated') d.families.undoRotation(m.refresh.rotation);
      const mapping = DENIALS[issued.reason];
      this.denied(m.ctx, this.facts(m), { reason: mapping.event, detail: mapping.detail, grantType: m.grantType, scopes: m.scopes, audiences: [m.audience] });
      throw new OAuthProblem(issued.oauthError === 'server_error' ? 500 : 400, issued.oauthError, mapping.detail);
    }
    const refresh = m.refresh.kind === 'family'
      ? d.families.issue({
        clientId: m.client.clientId, subject: m.subject, scopes: m.scopes, audience: m.audience,
        sessionId: m.sessionId ?? undefined, consentRef: m.consentRef ?? undefined,
      })
      : m.refresh.kind === 'rotated' ? m.refresh.rotation.token : undefined;
    const parentJti = m.refresh.kind === 'rotated' ? m.refresh.rotation.previousJti : null;
    const header = () => d.headers.header(m.ctx, this.facts(m));
    const events: TokenwardenEvent[] = [accessIssued(header(), {
      issuer: d.issuerId, jti: issued.jti, fingerprint: issued.fingerprint, audience: issued.audience, scope: issued.scope, kid: issued.kid,
      alg: issued.alg, iat: issued.iat, exp: issued.exp, grantType: m.grantType, familyId: refresh?.familyId, parentJti, consentRef: m.consentRef,
    })];
    if (refresh) {
      events.push(refreshIssued(header(), {
        issuer: d.issuerId, token: refresh.token, jti: refresh.jti, familyId: refresh.familyId, audience: m.audience, scopes: m.scopes,
        issuedAtMs: d.now(), expiresAtMs: refresh.expiresAtMs, grantType: m.grantType, parentJti, consentRef: m.consentRef,
      }));
      // Linked before the publish: a reuse detected from now on revokes this access token too. One detected
      // while it was being signed already revoked the family: then this token is revoked with its issuance.
      const revokedFor = d.families.recordAccessToken(refresh.familyId, issued.jti, issued.exp);
      if (revokedFor) {
        events.push(d.revocations.access(
          { jti: issued.jti, exp: issued.exp, subject: m.subject, clientId: m.client.clientId, familyId: refresh.familyId, sessionId: m.sessionId },
          { ctx: m.ctx, reason: revokedFor, cascade: true, revokedBy: 'system' },
        ));
      }
    }
    try {
      await d.audit.publish(events);
    } catch (err) {
      if (!(err instanceof AuditUnavailableError)) throw err;
      if (m.refresh.kind === 'family' && refresh) d.families.discard(refresh.familyId);
      if (m.refresh.kind === 'rotated') d.families.undoRotation(m.refresh.rotation);
      d.metrics.unaudited.inc({ operation: 'issue' });
      throw unavailable();
    }
    for (const e of events) if (e.type === 'TokenRevoked') d.set.addRevocation(e.value.iss, e.value.jti, e.value.expires_at);
    d.live.add({
      jti: issued.jti, subject: m.subject, clientId: m.client.clientId, exp: issued.exp, familyId: refresh?.familyId ?? null, sessionId: m.sessionId,
    });
    return { accessToken: issued.token, expiresIn: issued.exp - issued.iat, scope: issued.scope, refresh };
  }

  /** Publishes an IssuanceDenied (best effort: a refusal changes nothing, so it is answered even when Kafka is down). */
  denied(ctx: RequestContext, facts: HeaderFacts, f: DeniedFacts): void {
    this.d.audit.publishBestEffort([issuanceDenied(this.d.headers.header(ctx, facts), f)]);
  }

  private facts(m: MintInput): HeaderFacts {
    return { subjectRef: this.d.pseudonyms.subjectRef(m.subject), clientId: m.client.clientId, sessionId: m.sessionId };
  }
}
