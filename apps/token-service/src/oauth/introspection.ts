import type { RequestContext } from '../audit/event-header';
import type { ClientAuthenticator } from '../clients/client-authenticator';
import type { RegisteredClient } from '../clients/client-config';
import type { ValidationService } from '../validation/validation-service';
import { verdictBody } from '../validation/validation-service';
import type { Verdict } from '@tokenwarden/jwt';
import { FormParams } from './form-params';
import { invalidRequest, OAuthProblem } from './oauth-problem';

export interface TokenCheckRequest {
  readonly body: unknown;
  readonly authorization: unknown;
  readonly ctx: RequestContext;
}

/** RFC 7662 §2.2: everything an inactive token reveals. */
export const INACTIVE = Object.freeze({ active: false });

/**
 * A caller may see a valid token when it is the token's client or serves one
 * of the token's audiences; any other token is "foreign" and inactive to it.
 */
export const mayInspect = (caller: RegisteredClient) => (v: Verdict): boolean =>
  v.clientId === caller.clientId || (v.aud ?? []).some((a) => caller.audiences.includes(a));

/** POST /oauth2/introspect and POST /v1/validate: authenticated token checks, one TokenValidated each. */
export class TokenChecks {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly validation: ValidationService,
    private readonly defaultAudience: string,
  ) {}

  /** RFC 7662. Unknown, expired, revoked, erased, foreign or garbage: exactly `{"active": false}`. */
  async introspect(req: TokenCheckRequest): Promise<Record<string, unknown>> {
    const form = new FormParams(req.body);
    const { client } = await this.authenticator.authenticate(req.authorization, form);
    const token = form.require('token');
    const v = await this.validation.check(token, {
      ctx: req.ctx, audience: null, validator: 'introspection', caller: client.clientId, authorize: mayInspect(client),
    });
    if (!v.valid) return { ...INACTIVE };
    return {
      active: true, scope: v.scope, client_id: v.clientId, token_type: 'Bearer', exp: v.exp, iat: v.iat, sub: v.sub,
      aud: v.aud && v.aud.length === 1 ? v.aud[0] : v.aud, iss: v.iss, jti: v.jti,
    };
  }

  /**
   * Verdict and reason code for resource servers that cannot validate locally.
   * The audience is pinned, and it must be one the caller is registered for.
   */
  async validate(req: TokenCheckRequest): Promise<Record<string, unknown>> {
    const form = new FormParams(req.body);
    const { client } = await this.authenticator.authenticate(req.authorization, form);
    const token = form.require('token');
    const audience = form.get('audience') ?? (this.defaultAudience || undefined);
    if (audience === undefined) throw invalidRequest('parameter audience is required');
    if (!client.audiences.includes(audience)) throw new OAuthProblem(400, 'invalid_target', 'audience not registered for this client');
    const v = await this.validation.check(token, { ctx: req.ctx, audience, validator: 'token-service', caller: client.clientId });
    return verdictBody(v);
  }
}
