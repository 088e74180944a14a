import { Kafka, logLevel } from 'kafkajs';
import { KafkaAdapterError } from './kafka-error';

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  clientId: string;
  /** How long one connection attempt may take. */
  connectionTimeoutMs?: number;
  /** Retries of a failed request before the adapter reports the broker unavailable. */
  retries?: number;
}

/**
 * Owns the kafkajs client so that the rest of the code never sees its types.
 * Producers, consumer runners and the topic bootstrap are built from it.
 */
export class KafkaConnection {
  /** @internal used by the adapters of this lib only. */
  readonly client: Kafka;

  constructor(readonly options: KafkaConnectionOptions) {
    this.client = new Kafka({
      brokers: [...options.brokers],
      clientId: options.clientId,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      logLevel: logLevel.ERROR,
      retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  describeBrokers(): string {
    return this.options.brokers.join(',');
  }

  /** Wraps any kafkajs failure in our error, naming the brokers, so operators see where it failed. */
  unavailable(action: string, cause: unknown): KafkaAdapterError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new KafkaAdapterError(
      'ERR_KAFKA_UNAVAILABLE',
      `Kafka at ${this.describeBrokers()} could not ${action}: ${reason}`,
      true,
      { cause },
    );
  }
}
