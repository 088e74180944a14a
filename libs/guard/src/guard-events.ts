import { randomBytes, randomUUID } from 'node:crypto';
import { ReasonCode, Verdict } from '@tokenwarden/jwt';
import type { ProducerInfo, TokenwardenEvent } from '@tokenwarden/events';
import type { CallContext } from './access-guard';

export interface GuardEventFacts {
  readonly producer: ProducerInfo;
  readonly tenantId: string;
  /** TokenValidated.validator: the guard's name. */
  readonly validator: string;
  readonly resourceServer: string;
  readonly audience: string;
  readonly now: () => number;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const cap = (v: string | null | undefined): string | null => (v ? v.slice(0, 256) : null);

/** W3C trace-id of `traceparent`, or a fresh one (absent, malformed or all zeros). */
export function traceIdOf(traceparent: string | undefined): string {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  return m && !/^0+$/.test(m[1]) ? m[1] : randomBytes(16).toString('hex');
}

/** One TokenValidated for a guard decision; claim values only from a verified token (the Verdict guarantees it). */
export function guardValidated(v: Verdict, ctx: CallContext, f: GuardEventFacts): TokenwardenEvent {
  return {
    type: 'TokenValidated',
    value: {
      header: {
        event_id: randomUUID(), event_time: f.now(), producer: f.producer, tenant_id: f.tenantId, trace_id: traceIdOf(ctx.traceparent),
        session_id: null, subject_ref: v.subjectRef ?? null, client_id: cap(v.clientId), ip: cap(ctx.ip),
      },
      jti: v.jti ?? null, iss: v.iss ?? null, token_fingerprint: v.fingerprint ?? null,
      outcome: v.valid ? 'VALID' : v.reason === ReasonCode.INTERNAL_ERROR ? 'ERROR' : 'INVALID',
      reason: v.reason, alg: v.alg ?? null, kid: v.kid ?? null, validator: f.validator, audience: f.audience, resource_server: f.resourceServer,
    },
  };
}
