import { randomBytes, randomUUID } from 'node:crypto';
import type { EventHeader, ProducerInfo } from '@tokenwarden/events';

/** Who caused an event, as far as the HTTP layer (or a timer) knows it. */
export interface RequestContext {
  /** W3C trace-id (32 lowercase hex); null for scheduled work. */
  readonly traceId: string | null;
  /** Peer address of the request; null for scheduled work. */
  readonly ip: string | null;
}

/** Per-event parts of the header; everything else is fixed per process. */
export interface HeaderFacts {
  readonly sessionId?: string | null;
  readonly subjectRef?: string | null;
  readonly clientId?: string | null;
}

/** The context of work no request caused (rotation timer, tombstone sweep, replayed erasure). */
export const SCHEDULED: RequestContext = Object.freeze({ traceId: null, ip: null });

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_HEADER_STRING = 256;

/**
 * The trace-id of a W3C `traceparent` header (version 00 layout), or a fresh
 * random one when the header is absent, malformed or all zeros (invalid per spec).
 */
export function traceIdFrom(traceparent: unknown): string {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (m && !/^0+$/.test(m[1])) return m[1];
  return randomBytes(16).toString('hex');
}

/** Header strings come from requests: cap them, so a hostile value cannot bloat the audit trail. */
const cap = (v: string | null | undefined): string | null => (v === undefined || v === null ? null : v.slice(0, MAX_HEADER_STRING));

/** Builds EventHeaders: a fresh uuid v4 per event, the injected clock, this process as producer. */
export class HeaderFactory {
  constructor(
    private readonly producer: ProducerInfo,
    private readonly tenantId: string,
    private readonly now: () => number,
  ) {}

  header(ctx: RequestContext, facts: HeaderFacts = {}): EventHeader {
    return {
      event_id: randomUUID(),
      event_time: this.now(),
      producer: this.producer,
      tenant_id: this.tenantId,
      trace_id: ctx.traceId,
      session_id: cap(facts.sessionId),
      subject_ref: facts.subjectRef ?? null,
      client_id: cap(facts.clientId),
      ip: cap(ctx.ip),
    };
  }
}
