import { SchemaCatalog, SchemaVersion } from './catalog';
import { EventCodecError, SchemaCatalogError } from './errors';
import { EVENT_TYPE_NAMES, EventTypeName, EventValueMap } from './generated/event-types';
import { checkBody } from './guard';
import { findValueProblems } from './value-check';

/** Single-object encoding marker (Avro spec): C3 01, then the 8-byte fingerprint. */
export const MAGIC = Buffer.from([0xc3, 0x01]);
export const HEADER_BYTES = 10;
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** An event with its record type as discriminant. */
export type TokenwardenEvent = { [K in EventTypeName]: { type: K; value: EventValueMap[K] } }[EventTypeName];

/** What decode returns: the value is always in the current schema's shape. */
export type DecodedEvent = TokenwardenEvent & {
  /** Version of the schema the producer wrote with (resolved to the current one). */
  writerVersion: number;
  /** The writer's fingerprint: 16 hex digits in wire byte order. */
  fingerprint: string;
};

export interface EventCodecOptions {
  /** Folder holding `<Type>/v<N>.avsc`; found by walking up from this file when omitted. */
  schemaDir?: string;
  /** Largest message encode writes and decode reads, header included. Default 1 MiB. */
  maxMessageBytes?: number;
}

/** A stored schema version, for diagnostics and other adapters. */
export interface SchemaInfo {
  typeName: EventTypeName;
  version: number;
  current: boolean;
  fingerprint: string;
  canonicalForm: string;
}

/** Encodes and decodes events as Avro single-object messages. Build one per process at start-up. */
export class EventCodec {
  readonly maxMessageBytes: number;
  private readonly catalog: SchemaCatalog;

  constructor(options: EventCodecOptions = {}) {
    this.maxMessageBytes = maxMessageBytesOf(options);
    this.catalog = SchemaCatalog.load(options.schemaDir);
    const onDisk = [...this.catalog.typeNames].sort().join(', ');
    if (onDisk !== [...EVENT_TYPE_NAMES].sort().join(', ')) {
      throw new SchemaCatalogError(`schemas on disk (${onDisk}) differ from the generated event types; regenerate them`);
    }
  }

  /** Validates `value` against the current schema of `type`, then encodes it. */
  encode<K extends EventTypeName>(type: K, value: EventValueMap[K]): Buffer {
    const schema = this.catalog.current(type);
    if (!schema) throw new EventCodecError('ERR_CODEC_UNKNOWN_TYPE', `unknown event type ${JSON.stringify(String(type).slice(0, 64))}`);
    const problems = findValueProblems(schema.type, value);
    if (problems.paths.length > 0) {
      throw new EventCodecError('ERR_CODEC_INVALID_VALUE', `invalid ${type}: ${problems.lines.join('; ')}`, problems.paths);
    }
    return this.frame(schema, value);
  }

  /** Decodes one message into the current schema of its type. Throws only EventCodecError. */
  decode(input: Uint8Array): DecodedEvent {
    const { buf, writer, fingerprint } = readFrame(input, this.catalog, this.maxMessageBytes);
    const reader = this.catalog.current(writer.typeName) as SchemaVersion;
    let decoded: { value: unknown; offset: number };
    try {
      // In place, without a view of the body per message.
      decoded = reader.type.decode(buf, HEADER_BYTES, this.catalog.resolverFor(writer));
      if (decoded.offset !== buf.length) throw new Error(`avsc read up to byte ${decoded.offset} of ${buf.length}`);
    } catch (cause) {
      // checkBody should make this unreachable; keep the promise of one error type anyway.
      throw new EventCodecError('ERR_CODEC_MALFORMED', `${writer.typeName} v${writer.version}: undecodable body`, [], { cause });
    }
    return { type: writer.typeName, value: decoded.value, writerVersion: writer.version, fingerprint } as DecodedEvent;
  }

  schemas(): SchemaInfo[] {
    return this.catalog.typeNames.flatMap((typeName) =>
      this.catalog.versions(typeName).map((v) => ({
        typeName: typeName as EventTypeName,
        version: v.version,
        current: v === this.catalog.current(typeName),
        fingerprint: v.fingerprintHex,
        canonicalForm: v.canonicalForm,
      })),
    );
  }

  private frame(schema: SchemaVersion, value: unknown): Buffer {
    const body = schema.type.toBuffer(value);
    if (body.length + HEADER_BYTES > this.maxMessageBytes) {
      throw new EventCodecError('ERR_CODEC_TOO_LARGE', `encoded ${schema.typeName} of ${body.length + HEADER_BYTES} bytes exceeds ${this.maxMessageBytes}`);
    }
    return Buffer.concat([MAGIC, schema.fingerprint, body]);
  }
}

/** options.maxMessageBytes or the default, checked. */
export function maxMessageBytesOf(options: EventCodecOptions): number {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(max) || max < HEADER_BYTES) throw new RangeError(`maxMessageBytes must be an integer >= ${HEADER_BYTES}`);
  return max;
}

/**
 * What every decoder checks before it builds a value: bytes, size, magic,
 * header, a known fingerprint, and the bounded guard over the whole body
 * (guard.ts). Throws only EventCodecError.
 */
export function readFrame(input: unknown, catalog: SchemaCatalog, maxMessageBytes: number): { buf: Buffer; writer: SchemaVersion; fingerprint: string } {
  const buf = asBuffer(input);
  if (buf.length > maxMessageBytes) {
    throw new EventCodecError('ERR_CODEC_TOO_LARGE', `message of ${buf.length} bytes exceeds ${maxMessageBytes}`);
  }
  if ((buf.length > 0 && buf[0] !== MAGIC[0]) || (buf.length > 1 && buf[1] !== MAGIC[1])) {
    throw new EventCodecError('ERR_CODEC_BAD_MAGIC', 'not Avro single-object encoding (expected C3 01)');
  }
  if (buf.length < HEADER_BYTES) {
    throw new EventCodecError('ERR_CODEC_TOO_SHORT', `${buf.length} bytes, the header alone is ${HEADER_BYTES}`);
  }
  const fingerprint = buf.toString('hex', 2, HEADER_BYTES);
  const writer = catalog.byFingerprint(fingerprint);
  if (!writer) throw new EventCodecError('ERR_CODEC_UNKNOWN_FINGERPRINT', `no schema with fingerprint ${fingerprint}`);
  checkBody(writer.type, buf, HEADER_BYTES, maxMessageBytes);
  return { buf, writer, fingerprint };
}

function asBuffer(input: unknown): Buffer {
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new EventCodecError('ERR_CODEC_NOT_BYTES', `expected bytes, got ${input === null ? 'null' : typeof input}`);
}

let shared: EventCodec | undefined;
/** The process-wide codec over the repository's schemas, built on first use. */
export const defaultEventCodec = (): EventCodec => (shared ??= new EventCodec());

/** `defaultEventCodec().encode(type, value)`. */
export const encode = <K extends EventTypeName>(type: K, value: EventValueMap[K]): Buffer => defaultEventCodec().encode(type, value);

/** `defaultEventCodec().decode(input)`. */
export const decode = (input: Uint8Array): DecodedEvent => defaultEventCodec().decode(input);
