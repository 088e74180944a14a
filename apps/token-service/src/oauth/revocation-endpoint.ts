import type { TokenwardenEvent } from '@tokenwarden/events';
import { AuditPublisher, AuditUnavailableError } from '../audit/audit-publisher';
import type { ServiceMetrics } from '../audit/service-metrics';
import type { ClientAuthenticator } from '../clients/client-authenticator';
import type { RegisteredClient } from '../clients/client-config';
import type { RevocationEvents } from '../revocation/revocation-events';
import type { RevocationSet } from '@tokenwarden/jwt';
import type { LiveTokens } from '../tokens/live-tokens';
import type { RefreshFamilies } from '../tokens/refresh-families';
import type { ValidationService } from '../validation/validation-service';
import { FormParams } from './form-params';
import { TokenCheckRequest } from './introspection';
import { unavailable } from './oauth-problem';

export interface RevocationEndpointDeps {
  readonly authenticator: ClientAuthenticator;
  readonly families: RefreshFamilies;
  readonly live: LiveTokens;
  readonly validation: ValidationService;
  readonly revocations: RevocationEvents;
  readonly set: RevocationSet;
  readonly audit: AuditPublisher;
  readonly metrics: ServiceMetrics;
}

/** What a revocation request did; the HTTP answer is 200 for all of them (RFC 7009 §2.2). */
export type RevocationOutcome = 'REVOKED' | 'UNKNOWN' | 'FOREIGN' | 'NOT_ACTIVE';

const REFRESH_SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/**
 * POST /oauth2/revoke (RFC 7009). Only the client a token was issued to can
 * revoke it: another client's token is refused silently (200, so the endpoint
 * is no oracle of who owns what) and stays active; the attempt is recorded as
 * a TokenValidated with reason CLIENT_MISMATCH (validator "revocation").
 * A revocation counts once Kafka acknowledged it; otherwise 503 and nothing changed.
 */
export class RevocationEndpoint {
  constructor(private readonly d: RevocationEndpointDeps) {}

  async revoke(req: TokenCheckRequest): Promise<RevocationOutcome> {
    const form = new FormParams(req.body);
    const { client } = await this.d.authenticator.authenticate(req.authorization, form);
    const token = form.require('token');
    return REFRESH_SHAPE.test(token) ? this.revokeRefresh(req, client, token) : this.revokeAccess(req, client, token);
  }

  /** The refresh token's family, and every live access token minted from it, die together. */
  private async revokeRefresh(req: TokenCheckRequest, client: RegisteredClient, token: string): Promise<RevocationOutcome> {
    const rev = this.d.families.revokeByToken(token, client.clientId);
    if (rev === 'UNKNOWN') return 'UNKNOWN';
    if (rev === 'FOREIGN') {
      this.d.validation.refusedUnread('CLIENT_MISMATCH', { ctx: req.ctx, validator: 'revocation', caller: client.clientId });
      return 'FOREIGN';
    }
    const events = this.d.revocations.family(rev, { ctx: req.ctx, revokedBy: client.clientId, direct: token.split('.')[0] });
    await this.publish(events, () => this.d.families.undoRevocation(rev));
    return 'REVOKED';
  }

  private async revokeAccess(req: TokenCheckRequest, client: RegisteredClient, token: string): Promise<RevocationOutcome> {
    const v = await this.d.validation.check(token, {
      ctx: req.ctx, audience: null, validator: 'revocation', caller: client.clientId, authorize: (x) => x.clientId === client.clientId,
    });
    if (v.reason === 'CLIENT_MISMATCH') return 'FOREIGN';
    if (!v.valid || !v.jti || !v.sub || !v.clientId || v.exp === undefined) return 'NOT_ACTIVE';
    const known = this.d.live.get(v.jti);
    const event = this.d.revocations.access(
      { jti: v.jti, exp: v.exp, subject: v.sub, clientId: v.clientId, familyId: known?.familyId ?? null, sessionId: known?.sessionId ?? null },
      { ctx: req.ctx, reason: 'CLIENT_REQUEST', cascade: false, revokedBy: client.clientId },
    );
    await this.publish([event], () => undefined);
    return 'REVOKED';
  }

  /** Awaits the ack; then applies the revocations here at once (the topic brings them to every other instance). */
  private async publish(events: TokenwardenEvent[], undo: () => void): Promise<void> {
    try {
      await this.d.audit.publish(events);
    } catch (err) {
      if (!(err instanceof AuditUnavailableError)) throw err;
      undo();
      this.d.metrics.unaudited.inc({ operation: 'revoke' });
      throw unavailable();
    }
    for (const e of events) if (e.type === 'TokenRevoked') this.d.set.addRevocation(e.value.iss, e.value.jti, e.value.expires_at);
  }
}
