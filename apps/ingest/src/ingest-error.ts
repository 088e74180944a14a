/** Stable codes of the ingest's refusals: clients branch on them, metrics count them. */
export const INGEST_ERRORS = {
  ERR_INGEST_BAD_BODY: { status: 400, title: 'The request body is not what this endpoint reads', reason: 'bad_body' },
  ERR_INGEST_UNAUTHENTICATED: { status: 401, title: 'A valid API key is required', reason: 'unauthenticated' },
  ERR_INGEST_FORBIDDEN: { status: 403, title: 'This API key may not write these events', reason: 'forbidden' },
  ERR_INGEST_NOT_FOUND: { status: 404, title: 'No such endpoint', reason: 'not_found' },
  ERR_INGEST_TOO_LARGE: { status: 413, title: 'The request body is too large', reason: 'too_large' },
  ERR_INGEST_TOO_MANY_EVENTS: { status: 413, title: 'The request carries too many events', reason: 'too_many_events' },
  ERR_INGEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The body must be application/json', reason: 'unsupported_media_type' },
  ERR_INGEST_INVALID_EVENTS: { status: 422, title: 'Some events break the event contract; none was published', reason: 'invalid' },
  ERR_INGEST_RATE_LIMITED: { status: 429, title: 'Rate limit of this producer exceeded', reason: 'rate_limited' },
  ERR_INGEST_INTERNAL: { status: 500, title: 'The ingest failed unexpectedly', reason: 'internal' },
  ERR_INGEST_UNAVAILABLE: { status: 503, title: 'Kafka did not acknowledge the events; retry later', reason: 'unavailable' },
} as const;
export type IngestErrorCode = keyof typeof INGEST_ERRORS;

/** A field-level problem of one event in the request (`index` counts from 0; -1 for the body as a whole). */
export interface EventError {
  readonly index: number;
  readonly path: string;
  readonly message: string;
}

/** The ingest's one error type: the global filter turns it into an RFC 9457 problem. */
export class IngestError extends Error {
  readonly status: number;
  readonly retriable: boolean;

  constructor(
    readonly code: IngestErrorCode,
    readonly detail: string,
    readonly extra: { errors?: readonly EventError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: extra.cause });
    this.name = 'IngestError';
    this.status = INGEST_ERRORS[code].status;
    this.retriable = code === 'ERR_INGEST_RATE_LIMITED' || code === 'ERR_INGEST_UNAVAILABLE';
  }
}
