import type { EventProducer, EventProducerOptions, OutgoingRecord } from '@tokenwarden/kafka';

/** The detector's producer (alerts and dead letters); the throughput bench builds its producer from the same. */
export const ALERT_PRODUCER_OPTIONS: EventProducerOptions = { lingerMs: 2 };

/**
 * Publishes alert records without waiting out the producer's linger: a batch
 * of token events is only done once its alerts are acknowledged, so every
 * millisecond of linger holds up consumption and the produce-to-alert latency.
 * Resolves once Kafka acknowledged every record; a failure rejects it.
 */
export function publishAtOnce(producer: EventProducer): (records: OutgoingRecord[]) => Promise<void> {
  return (records) => {
    const acknowledged = producer.publishAll(records);
    // The send's outcome reaches the caller through `acknowledged`; flush only starts it now.
    producer.flush().catch(() => undefined);
    return acknowledged;
  };
}
