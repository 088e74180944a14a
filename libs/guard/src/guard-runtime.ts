import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventCodec, TokenwardenEvent } from '@tokenwarden/events';
import { RevocationFeed, RevocationSet, SubjectPseudonymizer, TokenValidator } from '@tokenwarden/jwt';
import type { FeedLog } from '@tokenwarden/jwt';
import { EventProducer, KafkaConnection, topicNames } from '@tokenwarden/kafka';
import type { Policy } from '@tokenwarden/policy';
import { AccessGuard } from './access-guard';
import { AuditBuffer } from './audit-buffer';
import { guardValidated } from './guard-events';
import { GuardMetrics } from './guard-metrics';
import { httpJwksFetcher, JwksCache } from './jwks-cache';

export type GuardLog = FeedLog;

/** Everything a guard needs; build it once at boot from the service's own config. */
export interface TokenGuardOptions {
  /** TokenValidated.validator and producer.service, e.g. `demo-api`. */
  readonly name: string;
  /** TokenValidated.resource_server. */
  readonly resourceServer: string;
  readonly instance?: string;
  readonly version?: string;
  readonly tenantId: string;
  /** The token service's issuer, compared exactly with `iss`. */
  readonly issuer: string;
  /** This resource server's audience; tokens for other audiences are refused. */
  readonly audience: string;
  /** The same policy file the token service enforces (algorithms, lifetimes, claim rules, size cap). */
  readonly policy: Policy;
  /** The token service's subject-ref key: erasure markers and events name subjects by its HMAC. */
  readonly subjectRefKey: Uint8Array;
  /** The only URL keys ever come from (never jku/x5u from tokens). */
  readonly jwksUrl: string;
  readonly jwks?: { readonly refreshIntervalMs?: number; readonly cooldownMs?: number; readonly maxAgeMs?: number; readonly timeoutMs?: number };
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  readonly audit?: { readonly capacity?: number; readonly maxBatch?: number; readonly flushIntervalMs?: number; readonly ackTimeoutMs?: number };
  readonly now?: () => number;
  readonly log?: GuardLog;
  /** Test seam: replaces the HTTP fetch of `jwksUrl`. */
  readonly fetchJwks?: () => Promise<unknown>;
  /** Test seam: where audit batches go (default: the Kafka producer). */
  readonly auditSink?: { publishAll(events: readonly TokenwardenEvent[]): Promise<void> };
}

/**
 * One guard process-wide: JWKS cache, revocation feed, validator, audit buffer
 * and metrics, wired. `start()` fetches keys, replays the revocations topic and
 * starts the flush loop; until the replay caught up, every token is refused
 * (INTERNAL_ERROR): a guard that cannot know revocations fails closed.
 */
export class TokenGuardRuntime {
  readonly access: AccessGuard;
  readonly metrics: GuardMetrics;
  readonly jwks: JwksCache;
  readonly revocations: RevocationSet;
  readonly buffer: AuditBuffer<TokenwardenEvent>;
  readonly validator: TokenValidator;
  private readonly conn: KafkaConnection;
  private readonly producer: EventProducer;
  private readonly feed: RevocationFeed;
  private started = false;

  constructor(o: TokenGuardOptions) {
    const now = o.now ?? Date.now;
    const log: GuardLog = o.log ?? (() => undefined);
    const instance = o.instance ?? `${hostname()}-${process.pid}`;
    const topics = topicNames(o.topicPrefix);
    const codec = new EventCodec();
    const j = o.jwks ?? {};
    const a = o.audit ?? {};
    this.conn = new KafkaConnection({ brokers: [...o.kafkaBrokers], clientId: `${o.name}-guard-${instance}`, retries: 2, connectionTimeoutMs: 1000 });
    this.producer = new EventProducer(this.conn, { lingerMs: 0, ackTimeoutMs: a.ackTimeoutMs ?? 5000 });
    this.jwks = new JwksCache({
      fetchJwks: o.fetchJwks ?? httpJwksFetcher(o.jwksUrl, j.timeoutMs ?? 2000),
      allowedAlgs: o.policy.algorithms.allowed, now,
      refreshIntervalMs: j.refreshIntervalMs ?? 300_000, cooldownMs: j.cooldownMs ?? 30_000, maxAgeMs: j.maxAgeMs ?? 3_600_000,
      onFetchError: (err) => {
        this.metrics.jwksFetchFailures.inc();
        log('warn', 'JWKS fetch failed; serving the cached key set', { error: (err as Error)?.message });
      },
    });
    const tolMs = o.policy.clockToleranceSeconds * 1000;
    this.revocations = new RevocationSet(Math.max(o.policy.accessToken.lifetimeSeconds, o.policy.refreshToken.lifetimeSeconds) * 1000 + tolMs);
    this.feed = new RevocationFeed({
      conn: this.conn, deadLetters: this.producer, codec, set: this.revocations, topic: topics.revocations, deadLetterTopic: topics.deadLetters,
      groupId: `${o.topicPrefix}${o.name}-guard-revocations-${instance}-${randomBytes(4).toString('hex')}`, log,
      onFatal: (err) => log('error', 'revocation feed stopped', { error: (err as Error)?.message }),
    });
    const pseudonyms = new SubjectPseudonymizer(o.subjectRefKey);
    this.validator = new TokenValidator({
      policy: o.policy, issuer: o.issuer, audience: o.audience, keys: this.jwks, pseudonyms, now,
      isRevoked: (iss, jti) => this.requireReplayed() && this.revocations.isRevoked(iss, jti),
      isErased: (ref, iat) => this.revocations.isErased(ref, iat),
      onInternalError: (err) => log('error', 'guard validation error', { error: (err as Error)?.message }),
    });
    const sink = o.auditSink ?? { publishAll: (events: readonly TokenwardenEvent[]) => this.producer.publishAll(events.map((e) => ({
      topic: topics.tokenEvents, key: e.value.header.subject_ref, value: codec.encode(e.type, e.value as never), timestampMs: e.value.header.event_time,
    }))) };
    this.buffer = new AuditBuffer(sink, {
      capacity: a.capacity ?? 10_000, maxBatch: a.maxBatch ?? 500, flushIntervalMs: a.flushIntervalMs ?? 100,
      onDrop: (n) => this.metrics.auditDropped.inc(n),
      onPublished: (n) => this.metrics.auditPublished.inc(n),
      onPublishError: (err, attempt) => {
        this.metrics.auditPublishFailures.inc();
        if (attempt === 1) log('warn', 'audit publish failed; buffering (oldest dropped when full)', { error: (err as Error)?.message });
      },
    });
    this.metrics = new GuardMetrics({ buffered: () => this.buffer.size, jwksAgeMs: () => this.jwks.ageMs(), revocations: () => this.revocations.size });
    const facts = { producer: { service: o.name, instance, version: o.version ?? '0.0.0' }, tenantId: o.tenantId, validator: o.name, resourceServer: o.resourceServer, audience: o.audience, now };
    this.access = new AccessGuard({
      realm: o.audience,
      validate: (token) => this.validator.validate(token),
      record: (v, ctx) => {
        this.metrics.decisions.inc({ outcome: v.valid ? 'VALID' : 'INVALID', reason: v.reason });
        this.buffer.offer(guardValidated(v, ctx, facts));
      },
    });
  }

  /** Keys fetched (or not: lookups retry) and the revocations present at start applied. Throws when Kafka is unreachable. */
  async start(): Promise<void> {
    this.buffer.start();
    await this.jwks.refresh();
    await this.feed.start();
    this.started = true;
  }

  /** Ready: the revocation replay caught up and a key set is cached. */
  ready(): boolean {
    return this.feed.caughtUp() && this.jwks.ageMs() !== undefined;
  }

  async stop(): Promise<void> {
    if (this.started) await this.feed.stop();
    await this.buffer.stop(2000);
    await this.producer.disconnect();
  }

  private requireReplayed(): true {
    if (this.feed.caughtUp()) return true;
    // Until the replay caught up, revocations are unknown: refuse rather than guess.
    throw new Error('revocations not replayed yet');
  }
}
