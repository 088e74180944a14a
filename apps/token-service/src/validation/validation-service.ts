import { tokenValidated } from '../audit/audit-events';
import type { AuditPublisher } from '../audit/audit-publisher';
import type { HeaderFactory, RequestContext } from '../audit/event-header';
import type { ServiceMetrics } from '../audit/service-metrics';
import { ReasonCode } from '@tokenwarden/jwt';
import type { TokenValidator, Verdict } from '@tokenwarden/jwt';

export interface CheckOptions {
  readonly ctx: RequestContext;
  /** Audience to pin; null pins none (introspection, revocation). */
  readonly audience: string | null;
  /** TokenValidated.validator: token-service, introspection or revocation. */
  readonly validator: string;
  /** The authenticated caller (a resource server), recorded as resource_server. */
  readonly caller: string | null;
  /** May this caller see this (valid) token? A refusal becomes CLIENT_MISMATCH. */
  readonly authorize?: (v: Verdict) => boolean;
}

/**
 * Validates and records exactly one TokenValidated per check. The event is
 * best effort (see README, "When Kafka is down"): a verdict changes no state,
 * so it is answered even when Kafka cannot take the event; the loss is counted.
 */
export class ValidationService {
  constructor(
    private readonly validator: TokenValidator,
    private readonly audit: AuditPublisher,
    private readonly headers: HeaderFactory,
    private readonly metrics: ServiceMetrics,
  ) {}

  async check(token: unknown, o: CheckOptions): Promise<Verdict> {
    let v = await this.validator.validate(token, { audience: o.audience });
    if (v.valid && o.authorize && !o.authorize(v)) v = { ...v, valid: false, reason: ReasonCode.CLIENT_MISMATCH };
    this.metrics.validations.inc({ outcome: v.valid ? 'VALID' : 'INVALID', reason: v.reason });
    const header = this.headers.header(o.ctx, { subjectRef: v.subjectRef ?? null, clientId: v.clientId ?? null });
    this.audit.publishBestEffort([tokenValidated(header, { verdict: v, validator: o.validator, audience: o.audience, resourceServer: o.caller })]);
    return v;
  }

  /** Records a refusal that happened before a token could be read (e.g. a body over the size cap). */
  refusedUnread(reason: ReasonCode, o: Pick<CheckOptions, 'ctx' | 'validator' | 'caller'>): void {
    this.metrics.validations.inc({ outcome: 'INVALID', reason });
    const header = this.headers.header(o.ctx, {});
    this.audit.publishBestEffort([tokenValidated(header, {
      verdict: { valid: false, reason }, validator: o.validator, audience: null, resourceServer: o.caller,
    })]);
  }
}

/** The /v1/validate answer: the verdict, and the verified claims a resource server needs when valid. */
export function verdictBody(v: Verdict): Record<string, unknown> {
  if (!v.valid) return { valid: false, reason: v.reason };
  return {
    valid: true, reason: v.reason, iss: v.iss, sub: v.sub, aud: v.aud, client_id: v.clientId, scope: v.scope, jti: v.jti, exp: v.exp, iat: v.iat,
  };
}
