import { Resolver, Type } from 'avsc';
import { parseAvroType, SchemaCatalog } from './catalog';
import { DecodedEvent, EventCodecOptions, HEADER_BYTES, maxMessageBytesOf, readFrame } from './codec';
import { EventCodecError, SchemaCatalogError } from './errors';
import { EventTypeName } from './generated/event-types';

/**
 * Per event type, the fields a reader uses, as dotted paths into the current
 * schema (`jti`, `header.event_time`); a path that ends at a record keeps
 * all of it. Types left out are decoded in full.
 */
export type EventProjection = Readonly<Partial<Record<EventTypeName, readonly string[]>>>;

interface Reader {
  readonly type: Type;
  readonly resolver: Resolver;
}

/**
 * Decodes single-object messages like `EventCodec.decode`, but builds only
 * the projected fields: the reader schema of each type is its current schema
 * cut down to them, and Avro schema resolution skips the rest of the body
 * without building strings. Every message is still checked in full first
 * (the same header checks and the same guard over the writer schema, so
 * poison messages fail with the same EventCodecError codes); only the object
 * returned is smaller, and a uuid field is not checked a second time. Values carry the projected fields only, so hand them
 * only to code that reads nothing else.
 */
export class ProjectedEventDecoder {
  readonly maxMessageBytes: number;
  private readonly catalog: SchemaCatalog;
  private readonly readers = new Map<string, Reader>();

  constructor(projection: EventProjection, options: EventCodecOptions = {}) {
    this.maxMessageBytes = maxMessageBytesOf(options);
    this.catalog = SchemaCatalog.load(options.schemaDir);
    for (const typeName of this.catalog.typeNames) {
      const current = this.catalog.current(typeName)!;
      const paths = projection[typeName as EventTypeName];
      const type = paths ? parseAvroType(project(current.schema, paths, typeName)) : current.type;
      for (const writer of this.catalog.versions(typeName)) {
        this.readers.set(writer.fingerprintHex, { type, resolver: type.createResolver(writer.type) });
      }
    }
  }

  /** Decodes the projected fields of one message. Throws only EventCodecError, with EventCodec's codes. */
  decode(input: Uint8Array): DecodedEvent {
    const { buf, writer, fingerprint } = readFrame(input, this.catalog, this.maxMessageBytes);
    const reader = this.readers.get(fingerprint) as Reader;
    let value: unknown;
    try {
      value = reader.type.decode(buf, HEADER_BYTES, reader.resolver).value;
    } catch (cause) {
      // checkBody should make this unreachable; keep the promise of one error type anyway.
      throw new EventCodecError('ERR_CODEC_MALFORMED', `${writer.typeName} v${writer.version}: undecodable body`, [], { cause });
    }
    return { type: writer.typeName, value, writerVersion: writer.version, fingerprint } as DecodedEvent;
  }
}

type RecordSchema = { fields: Array<{ name: string; type: unknown }> } & Record<string, unknown>;

/** `schema` (a record) with only the fields on `paths`; fails on a path the schema lacks. */
function project(schema: Record<string, unknown>, paths: readonly string[], where: string): RecordSchema {
  const record = schema as RecordSchema;
  const byField = new Map<string, string[]>();
  for (const path of paths) {
    const [name, ...rest] = path.split('.');
    if (!record.fields?.some((f) => f.name === name)) throw new SchemaCatalogError(`projection: ${where} has no field ${name}`);
    const deeper = byField.get(name) ?? [];
    byField.set(name, rest.length === 0 || deeper.includes('') ? [''] : [...deeper, rest.join('.')]);
  }
  return {
    ...record,
    fields: record.fields.filter((f) => byField.has(f.name)).map((f) => {
      const rest = byField.get(f.name)!;
      if (!rest.includes('')) return { ...f, type: project(f.type as Record<string, unknown>, rest, `${where}.${f.name}`) };
      // checkBody has checked a uuid's bytes already (the same rule): read it as its string, without avsc's second check.
      return isUuid(f.type) ? { ...f, type: 'string' } : f;
    }),
  };
}

const isUuid = (type: unknown): boolean =>
  typeof type === 'object' && type !== null && (type as Record<string, unknown>).logicalType === 'uuid' && (type as Record<string, unknown>).type === 'string';
