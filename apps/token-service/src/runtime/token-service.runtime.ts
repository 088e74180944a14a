import { randomBytes } from 'node:crypto';
import { bootstrapTopics, topicSpecs } from '@tokenwarden/kafka';
import { RevocationFeed } from '@tokenwarden/jwt';
import { buildComponents, ComponentOptions, Components } from './components';

export type RuntimeState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface Readiness {
  readonly ready: boolean;
  readonly state: RuntimeState;
  readonly checks: { readonly kafka: boolean; readonly revocations: boolean; readonly signingKey: boolean };
}

/**
 * One token-service instance: its components plus what runs in the background
 * (the revocation feed, the key schedule, the tombstone sweep) and its start/stop.
 */
export class TokenServiceRuntime {
  readonly c: Components;
  private readonly feed: RevocationFeed;
  private readonly timers: NodeJS.Timeout[] = [];
  private producerUp = false;
  private state: RuntimeState = 'idle';

  constructor(options: ComponentOptions & { onFatal?: (err: unknown) => void }) {
    this.c = buildComponents(options);
    const { c } = this;
    this.feed = new RevocationFeed({
      conn: c.conn, deadLetters: c.producer, codec: c.codec, set: c.set, topic: c.topics.revocations,
      deadLetterTopic: c.topics.deadLetters, log: c.log, onFatal: options.onFatal,
      groupId: `${c.config.TW_TOPIC_PREFIX}token-service-revocations-${c.instance}-${randomBytes(4).toString('hex')}`,
      onErasure: (ref, at) => c.erasure.onMarker(ref, at),
    });
  }

  async start(): Promise<void> {
    const { c } = this;
    this.state = 'starting';
    if (c.config.TW_BOOTSTRAP_TOPICS) await bootstrapTopics(c.conn, topicSpecs(c.topics, c.config.TW_TOPIC_PARTITIONS));
    await c.producer.connect();
    this.producerUp = true;
    await this.feed.start();
    await c.keys.start();
    this.every(c.config.TW_KEY_TICK_MS, 'key schedule', () => c.keys.tick());
    this.every(c.config.TW_REVOCATION_SWEEP_MS, 'revocation sweep', () => this.sweep());
    this.state = 'running';
    c.log('info', 'token service started', { instance: c.instance, leader: c.keys.leader });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    for (const t of this.timers) clearInterval(t);
    await this.feed.stop().catch(() => undefined);
    await this.c.audit.retryOutbox().catch(() => undefined);
    await this.c.producer.disconnect().catch(() => undefined);
    this.c.hsm?.close();
    this.state = 'stopped';
  }

  /** Ready to serve: Kafka took a connection, the revocations present at start are applied, a key signs. */
  readiness(): Readiness {
    const checks = { kafka: this.producerUp, revocations: this.feed.caughtUp(), signingKey: this.c.keys.signingKid() !== undefined };
    return { ready: this.state === 'running' && checks.kafka && checks.revocations && checks.signingKey, state: this.state, checks };
  }

  get status(): RuntimeState {
    return this.state;
  }

  /**
   * Tombstones for revocations whose token expired (and erasure markers past
   * their use), then housekeeping. Every instance sweeps; a tombstone sent twice
   * is harmless, and the jittered interval makes that rare.
   */
  async sweep(): Promise<number> {
    const { c } = this;
    let sent = 0;
    for (const key of c.set.expiredKeys(c.now())) {
      try {
        await c.audit.tombstone(key);
        c.set.remove(key);
        sent++;
      } catch {
        break;
      }
    }
    c.live.prune();
    c.families.prune();
    c.metrics.revocationsMaterialized.set(c.set.size);
    await c.audit.retryOutbox();
    return sent;
  }

  private every(intervalMs: number, what: string, work: () => Promise<unknown>): void {
    let busy = false;
    const jittered = Math.round(intervalMs * (0.9 + Math.random() * 0.2));
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      work().catch((err: Error) => this.c.log('error', `${what} failed`, { error: err.message })).finally(() => (busy = false));
    }, jittered);
    timer.unref();
    this.timers.push(timer);
  }
}
