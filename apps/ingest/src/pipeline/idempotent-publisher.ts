import { OutgoingRecord } from '@tokenwarden/kafka';
import { IngestError } from '../ingest-error';
import { SeenEvents } from './seen-events';

/** One record to publish under an id the producer may send again. */
export interface Keyed {
  readonly id: string;
  readonly record: OutgoingRecord;
}

export interface PublishReport {
  /** Ids published by this call and acknowledged. */
  readonly published: string[];
  /** Ids acknowledged before (earlier request, concurrent request, or twice in this one): not published again. */
  readonly duplicates: string[];
}

/**
 * Publishes records whose ids this producer has not had acknowledged yet,
 * and answers only after Kafka acknowledged all of them. Whatever was
 * acknowledged stays remembered even when the call fails, so a retry
 * publishes just the rest.
 */
export class IdempotentPublisher {
  constructor(
    private readonly seen: SeenEvents,
    private readonly publish: (record: OutgoingRecord) => Promise<void>,
    private readonly ackTimeoutMs: number,
  ) {}

  async publishOnce(producerId: string, items: readonly Keyed[]): Promise<PublishReport> {
    const fresh: Keyed[] = [];
    const duplicates: string[] = [];
    const inFlightElsewhere: Promise<boolean>[] = [];
    const inRequest = new Set<string>();
    for (const item of items) {
      if (inRequest.has(item.id)) continue;
      inRequest.add(item.id);
      const state = this.seen.state(producerId, item.id);
      if (state.kind === 'new') fresh.push(item);
      else duplicates.push(item.id);
      if (state.kind === 'pending') inFlightElsewhere.push(state.settled);
    }
    const acks = fresh.map((item) => {
      const ack = this.publish(item.record);
      this.seen.track(producerId, item.id, ack);
      return ack.then(() => true, () => false);
    });
    const outcome = await this.within([...acks, ...inFlightElsewhere]);
    if (outcome === 'timeout' || outcome.some((ok) => !ok)) {
      throw new IngestError(
        'ERR_INGEST_UNAVAILABLE',
        outcome === 'timeout'
          ? `Kafka did not acknowledge within ${this.ackTimeoutMs} ms; acknowledged events are remembered, retry the same request`
          : 'Kafka refused some events; acknowledged ones are remembered, retry the same request',
        { retryAfterSeconds: 5 },
      );
    }
    return { published: fresh.map((f) => f.id), duplicates };
  }

  private async within(settling: Promise<boolean>[]): Promise<boolean[] | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.ackTimeoutMs);
    });
    try {
      return await Promise.race([Promise.all(settling), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
