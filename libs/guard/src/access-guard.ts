import type { ReasonCode, Verdict } from '@tokenwarden/jwt';

/** The parts of an incoming HTTP request the guard reads (Node/Express/Fastify raw requests all fit). */
export interface GuardRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket?: { readonly remoteAddress?: string };
}

/** The verified claims a route handler may use. */
export interface GuardClaims {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly aud: readonly string[];
  readonly jti: string;
  readonly exp: number;
}

export type GuardDecision =
  | { readonly allowed: true; readonly claims: GuardClaims; readonly reason: ReasonCode }
  | {
      readonly allowed: false;
      /** 400 malformed Authorization header, 401 no or bad token, 403 valid token without the scope. */
      readonly status: 400 | 401 | 403;
      readonly error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | null;
      /** The validator's reason; null when no token was presented. */
      readonly reason: ReasonCode | null;
      /** RFC 6750 §3 challenge for the WWW-Authenticate header. */
      readonly challenge: string;
    };

/** Who asked, for the event header. */
export interface CallContext {
  readonly traceparent: string | undefined;
  readonly ip: string | null;
}

export interface AccessGuardDeps {
  readonly validate: (token: string) => Promise<Verdict>;
  /** Records one TokenValidated for the verdict; must not block (buffered). */
  readonly record: (v: Verdict, ctx: CallContext) => void;
  readonly realm: string;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Decides one request: extracts the bearer token (RFC 6750 §2.1), validates it
 * locally with the shared validator, records exactly one TokenValidated per
 * token presented, then checks the route's scope. No token, no event: nothing
 * was validated (the 401 is still answered).
 */
export class AccessGuard {
  constructor(private readonly d: AccessGuardDeps) {}

  async check(req: GuardRequest, requiredScope?: string): Promise<GuardDecision> {
    const auth = req.headers.authorization;
    if (auth === undefined) return this.refuse(401, null, null);
    if (Array.isArray(auth)) return this.refuse(400, 'invalid_request', null);
    const m = BEARER.exec(auth);
    // Not a bearer credential (or not token68-shaped): still presented, so still validated and recorded.
    const token = m ? m[1] : auth.replace(/^Bearer\s*/i, '');
    const v = await this.d.validate(token);
    const tp = req.headers.traceparent;
    this.d.record(v, { traceparent: typeof tp === 'string' ? tp : undefined, ip: req.socket?.remoteAddress ?? null });
    if (!v.valid) return this.refuse(401, 'invalid_token', v.reason);
    const scopes = (v.scope ?? '').split(' ').filter((s) => s.length > 0);
    if (requiredScope !== undefined && !scopes.includes(requiredScope)) {
      return this.refuse(403, 'insufficient_scope', v.reason, requiredScope);
    }
    return {
      allowed: true, reason: v.reason,
      claims: { sub: v.sub ?? '', clientId: v.clientId ?? '', scopes, aud: v.aud ?? [], jti: v.jti ?? '', exp: v.exp ?? 0 },
    };
  }

  private refuse(status: 400 | 401 | 403, error: Exclude<GuardDecision, { allowed: true }>['error'], reason: ReasonCode | null, scope?: string): GuardDecision {
    // Fixed texts only: the reason goes to the audit trail, not to the caller (no oracle for attackers).
    const parts = [`realm="${this.d.realm}"`];
    if (error) parts.push(`error="${error}"`);
    if (scope) parts.push(`scope="${scope}"`);
    return { allowed: false, status, error, reason, challenge: `Bearer ${parts.join(', ')}` };
  }
}
