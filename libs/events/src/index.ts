export { CODEC_ERROR_CODES, EventCodecError, SchemaCatalogError } from './errors';
export type { CodecErrorCode } from './errors';
export { decode, DEFAULT_MAX_MESSAGE_BYTES, defaultEventCodec, encode, EventCodec } from './codec';
export type { DecodedEvent, EventCodecOptions, SchemaInfo, TokenwardenEvent } from './codec';
export * from './generated/event-types';
export { ProjectedEventDecoder } from './projected-decoder';
export type { EventProjection } from './projected-decoder';
