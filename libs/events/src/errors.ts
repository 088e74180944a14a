/** Stable codes of EventCodecError: consumers dead-letter on them, dashboards count them. */
export const CODEC_ERROR_CODES = [
  'ERR_CODEC_NOT_BYTES', // input is not a Buffer/Uint8Array (e.g. a null Kafka value)
  'ERR_CODEC_TOO_SHORT', // shorter than the 10-byte single-object header
  'ERR_CODEC_BAD_MAGIC', // does not start with C3 01
  'ERR_CODEC_UNKNOWN_FINGERPRINT', // writer schema not in the catalog
  'ERR_CODEC_TOO_LARGE', // message, or a length inside it, beyond maxMessageBytes
  'ERR_CODEC_TRUNCATED', // body ends inside a value
  'ERR_CODEC_TRAILING_BYTES', // bytes left after the record
  'ERR_CODEC_MALFORMED', // bytes no Avro writer could produce (bad varint, index, UTF-8, nesting)
  'ERR_CODEC_INVALID_VALUE', // well-formed, but breaks the schema's rules (encode input, bad uuid)
  'ERR_CODEC_UNKNOWN_TYPE', // encode() asked for a record type the catalog lacks
] as const;
export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];

/**
 * The only error encode/decode throw for bad input. Never retriable: the same
 * bytes fail the same way, so a consumer parks the message on dead-letters.
 */
export class EventCodecError extends Error {
  readonly retriable = false;

  constructor(
    readonly code: CodecErrorCode,
    message: string,
    /** Field paths involved, e.g. `header.event_id` or `scope[3]`; never values. */
    readonly paths: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventCodecError';
  }
}

/**
 * The schema files on disk are unusable (missing, unparsable, duplicated
 * fingerprints). A deployment bug, not bad input: it is deliberately not an
 * EventCodecError, so consumers crash instead of dead-lettering every message.
 */
export class SchemaCatalogError extends Error {
  readonly code = 'ERR_SCHEMA_CATALOG';
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaCatalogError';
  }
}
