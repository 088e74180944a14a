import { subjectErased } from '../audit/audit-events';
import { AuditPublisher, AuditUnavailableError } from '../audit/audit-publisher';
import { HeaderFactory, RequestContext, SCHEDULED } from '../audit/event-header';
import type { Log } from '@tokenwarden/config';
import type { ServiceMetrics } from '../audit/service-metrics';
import type { RevocationEvents } from '../revocation/revocation-events';
import type { RevocationSet, SubjectPseudonymizer } from '@tokenwarden/jwt';
import type { LiveTokens } from '../tokens/live-tokens';
import type { RefreshFamilies } from '../tokens/refresh-families';
import { OAuthProblem, unavailable } from '../oauth/oauth-problem';

export interface ErasureDeps {
  readonly families: RefreshFamilies;
  readonly live: LiveTokens;
  readonly set: RevocationSet;
  readonly revocations: RevocationEvents;
  readonly audit: AuditPublisher;
  readonly headers: HeaderFactory;
  readonly pseudonyms: SubjectPseudonymizer;
  readonly metrics: ServiceMetrics;
  readonly log: Log;
}

export interface ErasureResult {
  readonly subject_ref: string;
  readonly tokens_revoked: number;
  readonly families_revoked: number;
}

const SUBJECT = /^[^\p{Cc}]{1,256}$/u;

/**
 * GDPR Art. 17 erasure. Publishes TokenRevoked for every live token and refresh
 * family of the subject known here, then SubjectErased, which also lands on the
 * `revocations` topic as an erasure marker: every instance then refuses the
 * subject's tokens issued up to that moment (also ones issued elsewhere) and
 * drops its own refresh families of the subject. Local state changes only
 * after Kafka acknowledged; otherwise 503 and nothing changed here.
 */
export class ErasureService {
  /** Erasures done by this instance: when their marker comes back from the topic, there is nothing left to do. */
  private readonly local = new Map<string, number>();

  constructor(private readonly d: ErasureDeps) {}

  async erase(subject: string, o: { ctx: RequestContext; requestedBy: string; requestRef: string | null }): Promise<ErasureResult> {
    if (!SUBJECT.test(subject)) throw new OAuthProblem(400, 'invalid_request', 'subject must be 1 to 256 printable characters');
    const { d } = this;
    const subjectRef = d.pseudonyms.subjectRef(subject);
    const families = d.families.preview((g) => g.subject === subject);
    const fromFamilies = new Set(families.flatMap((f) => f.accessTokens.map((t) => t.jti)));
    const loose = d.live.ofSubject(subject).filter((t) => !fromFamilies.has(t.jti));
    const revokedBy = o.requestedBy;
    const events = [
      ...families.flatMap((f) => d.revocations.family(f, { ctx: o.ctx, revokedBy })),
      ...loose.map((t) => d.revocations.access(t, { ctx: o.ctx, reason: 'SUBJECT_ERASED', cascade: true, revokedBy })),
    ];
    const tokensRevoked = events.length;
    const erased = subjectErased(d.headers.header(o.ctx, { subjectRef }), {
      tokensRevoked, familiesRevoked: families.length, requestedBy: o.requestedBy, requestRef: o.requestRef,
    });
    const erasedAtMs = erased.value.header.event_time;
    this.local.set(subjectRef, erasedAtMs);
    try {
      await d.audit.publish([...events, erased]);
    } catch (err) {
      this.local.delete(subjectRef);
      if (!(err instanceof AuditUnavailableError)) throw err;
      d.metrics.unaudited.inc({ operation: 'erase' });
      throw unavailable();
    }
    d.families.eraseWhere((g) => g.subject === subject);
    d.live.forgetSubject(subject);
    d.set.addErasure(subjectRef, erasedAtMs);
    for (const e of events) if (e.type === 'TokenRevoked') d.set.addRevocation(e.value.iss, e.value.jti, e.value.expires_at);
    return { subject_ref: subjectRef, tokens_revoked: tokensRevoked, families_revoked: families.length };
  }

  /**
   * An erasure marker read from the topic (any instance's): drop this
   * instance's refresh families of that subject started up to the erasure, and
   * publish their revocations (retried until Kafka takes them).
   */
  onMarker(subjectRef: string, erasedAtMs: number): void {
    if (this.local.get(subjectRef) === erasedAtMs) return;
    const { d } = this;
    const revs = d.families.eraseWhere((g, startedAtMs) => startedAtMs <= erasedAtMs && d.pseudonyms.subjectRef(g.subject) === subjectRef);
    if (revs.length === 0) return;
    d.log('info', 'erasure marker revoked local refresh families', { subjectRef, families: revs.length });
    void d.audit.publishEventually(revs.flatMap((r) => d.revocations.family(r, { ctx: SCHEDULED, revokedBy: 'system' })));
  }
}
