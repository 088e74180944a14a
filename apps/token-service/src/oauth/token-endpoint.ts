import type { Policy } from '@tokenwarden/policy';
import type { DenialReason } from '@tokenwarden/events';
import type { AuditPublisher } from '../audit/audit-publisher';
import type { RequestContext } from '../audit/event-header';
import type { AuthenticatedClient, ClientAuthenticator } from '../clients/client-authenticator';
import { GRANT_TYPES, GrantType, RegisteredClient } from '../clients/client-config';
import type { RevocationEvents } from '../revocation/revocation-events';
import type { SubjectPseudonymizer } from '@tokenwarden/jwt';
import type { RefreshFamilies } from '../tokens/refresh-families';
import { FormParams } from './form-params';
import { invalidGrant, invalidRequest, OAuthProblem } from './oauth-problem';
import { SubjectTokenVerifier, TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT } from './subject-token';
import { Minted, TokenMinter } from './token-minter';
import { TokenReply, tokenReply } from './token-reply';

export interface TokenRequest {
  readonly body: unknown;
  readonly authorization: unknown;
  /** Refresh token from the browser cookie, for clients registered with refresh_token_cookie. */
  readonly cookieRefreshToken: string | undefined;
  readonly ctx: RequestContext;
}

export interface TokenEndpointDeps {
  readonly policy: Policy;
  readonly authenticator: ClientAuthenticator;
  readonly minter: TokenMinter;
  readonly families: RefreshFamilies;
  readonly subjectTokens: SubjectTokenVerifier;
  readonly revocations: RevocationEvents;
  readonly audit: AuditPublisher;
  readonly pseudonyms: SubjectPseudonymizer;
  readonly now: () => number;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const REFRESH_DENIALS = { UNKNOWN: 'REFRESH_INVALID', CLIENT_MISMATCH: 'REFRESH_INVALID', EXPIRED: 'REFRESH_EXPIRED', REVOKED: 'REFRESH_REVOKED' } as const;

/** POST /oauth2/token: client authentication, then one of our three grants. */
export class TokenEndpoint {
  constructor(private readonly d: TokenEndpointDeps) {}

  async handle(req: TokenRequest): Promise<TokenReply> {
    const form = new FormParams(req.body);
    const grantType = form.require('grant_type');
    const auth = await this.authenticate(req, form, grantType);
    const { client } = auth;
    if (!(GRANT_TYPES as readonly string[]).includes(grantType)) {
      this.deny(req, client, form, grantType, 'GRANT_UNSUPPORTED', 'grant type not supported');
      throw new OAuthProblem(400, 'unsupported_grant_type', 'grant type not supported');
    }
    if (!client.grantTypes.includes(grantType as GrantType)) {
      this.deny(req, client, form, grantType, 'GRANT_NOT_ALLOWED', 'grant not registered for the client');
      throw new OAuthProblem(400, 'unauthorized_client', 'grant not registered for the client');
    }
    const minted = grantType === 'client_credentials' ? await this.clientCredentials(req, client, form)
      : grantType === 'refresh_token' ? await this.refresh(req, client, form) : await this.exchange(req, client, form);
    return tokenReply(minted, client, grantType === TOKEN_EXCHANGE, this.d.now());
  }

  private async authenticate(req: TokenRequest, form: FormParams, grantType: string): Promise<AuthenticatedClient> {
    try {
      return await this.d.authenticator.authenticate(req.authorization, form);
    } catch (err) {
      if (err instanceof OAuthProblem && err.error === 'invalid_client') {
        this.d.minter.denied(req.ctx, { clientId: this.d.authenticator.claimedClient(req.authorization, form) }, {
          reason: 'CLIENT_UNAUTHENTICATED', detail: 'client authentication failed', grantType, scopes: form.scopes() ?? [], audiences: [],
        });
      }
      throw err;
    }
  }

  /** RFC 9068 §2.2: the client is its own subject; the registration stands in for consent. */
  private clientCredentials(req: TokenRequest, client: RegisteredClient, form: FormParams): Promise<Minted> {
    const scopes = form.scopes() ?? [...client.scopes];
    return this.d.minter.mint({
      ctx: req.ctx, client, grantType: 'client_credentials', subject: client.clientId, audience: audienceOf(form, client), scopes,
      consentedScopes: scopes, sessionId: null, consentRef: null, refresh: { kind: 'none' },
    });
  }

  private async refresh(req: TokenRequest, client: RegisteredClient, form: FormParams): Promise<Minted> {
    const presented = form.get('refresh_token') ?? (client.refreshTokenCookie ? req.cookieRefreshToken : undefined);
    if (presented === undefined) throw invalidRequest('parameter refresh_token is required');
    const r = this.d.families.rotate(presented, client.clientId);
    switch (r.kind) {
      case 'ROTATED': {
        const scopes = form.scopes() ?? [...r.grant.scopes];
        if (scopes.some((s) => !r.grant.scopes.includes(s))) {
          this.d.families.undoRotation(r);
          throw new OAuthProblem(400, 'invalid_scope', 'scope exceeds the original grant');
        }
        return this.d.minter.mint({
          ctx: req.ctx, client, grantType: 'refresh_token', subject: r.grant.subject, audience: r.grant.audience, scopes,
          consentedScopes: r.grant.scopes, sessionId: r.grant.sessionId ?? null, consentRef: r.grant.consentRef ?? null,
          refresh: { kind: 'rotated', rotation: r },
        });
      }
      case 'REUSE_DETECTED': {
        // RFC 9700 §4.14.2: the family is revoked for good; its events are retried until Kafka takes them.
        const g = r.revocation.grant;
        const facts = { subjectRef: this.d.pseudonyms.subjectRef(g.subject), clientId: client.clientId, sessionId: g.sessionId ?? null };
        const events = this.d.revocations.family(r.revocation, { ctx: req.ctx, revokedBy: 'system', direct: presented.split('.')[0] });
        await this.d.audit.publishEventually(events);
        this.d.minter.denied(req.ctx, facts, {
          reason: 'REFRESH_REUSED', detail: 'a rotated refresh token was presented again; its family is revoked', grantType: 'refresh_token',
          scopes: g.scopes, audiences: [g.audience],
        });
        throw invalidGrant('refresh token is no longer valid');
      }
      case 'UNKNOWN': case 'CLIENT_MISMATCH': case 'EXPIRED': case 'REVOKED':
        this.deny(req, client, form, 'refresh_token', REFRESH_DENIALS[r.kind], 'refresh token refused');
        throw invalidGrant('refresh token is no longer valid');
    }
  }

  /** RFC 8693 token exchange for trusted identity services (see subject-token.ts for the subject_token form). */
  private async exchange(req: TokenRequest, client: RegisteredClient, form: FormParams): Promise<Minted> {
    if (form.get('subject_token_type') !== TOKEN_TYPE_JWT) throw invalidRequest(`subject_token_type must be ${TOKEN_TYPE_JWT}`);
    const requested = form.get('requested_token_type');
    if (requested !== undefined && requested !== TOKEN_TYPE_ACCESS) throw invalidRequest(`requested_token_type must be ${TOKEN_TYPE_ACCESS}`);
    if (form.has('actor_token')) throw invalidRequest('delegation (actor_token) is not supported');
    const subject = await this.d.subjectTokens.verify(form.require('subject_token'), client);
    if (!subject) {
      this.deny(req, client, form, TOKEN_EXCHANGE, 'POLICY_VIOLATION', 'subject_token refused');
      throw invalidRequest('subject_token is not acceptable');
    }
    const consentRequired = new Set(this.d.policy.consent.requiredForScopes);
    const scopes = form.scopes() ?? client.scopes.filter((s) => !consentRequired.has(s) || subject.consentedScopes.includes(s));
    return this.d.minter.mint({
      ctx: req.ctx, client, grantType: TOKEN_EXCHANGE, subject: subject.subject, audience: audienceOf(form, client), scopes,
      consentedScopes: subject.consentedScopes, sessionId: subject.sessionId, consentRef: subject.consentRef, refresh: { kind: 'family' },
    });
  }

  private deny(req: TokenRequest, client: RegisteredClient, form: FormParams, grantType: string, reason: Exclude<DenialReason, 'UNKNOWN'>, detail: string): void {
    const audience = form.get('resource') ?? form.get('audience');
    this.d.minter.denied(req.ctx, { clientId: client.clientId }, {
      reason, detail, grantType, scopes: form.scopes() ?? [], audiences: audience === undefined ? [] : [audience],
    });
  }
}

/** RFC 8707 `resource` or RFC 8693 `audience`; the client's only audience when it names none. */
function audienceOf(form: FormParams, client: RegisteredClient): string {
  const resource = form.get('resource');
  const audience = form.get('audience');
  if (resource !== undefined && audience !== undefined && resource !== audience) throw invalidRequest('resource and audience differ');
  const named = resource ?? audience;
  if (named !== undefined) return named;
  if (client.audiences.length === 1) return client.audiences[0];
  throw new OAuthProblem(400, 'invalid_target', 'name the audience (resource or audience parameter)');
}
