/** Stable error codes of the Kafka adapter. */
export type KafkaErrorCode =
  | 'ERR_KAFKA_UNAVAILABLE'
  | 'ERR_KAFKA_PUBLISH_FAILED'
  | 'ERR_KAFKA_TOPIC_BOOTSTRAP'
  | 'ERR_KAFKA_CLOSED';

/** The one error base of libs/kafka: a stable `code` and whether retrying can help. */
export class KafkaAdapterError extends Error {
  constructor(
    readonly code: KafkaErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaAdapterError';
  }
}

/** Errors from any of our libs carry `code` and `retriable`; this reads them without importing the libs. */
export interface ClassifiedError {
  code: string;
  retriable: boolean;
  message: string;
}

export function classify(err: unknown): ClassifiedError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; retriable?: unknown; message?: unknown };
  if (typeof e.code !== 'string' || typeof e.retriable !== 'boolean') return undefined;
  return { code: e.code, retriable: e.retriable, message: String(e.message ?? '') };
}
