import { Resolver, Type } from 'avsc';
import { fingerprintBytes } from './crc64';
import { SchemaCatalogError } from './errors';
import { parsingCanonicalForm } from './pcf';
import { findSchemaDir, readSchemaFiles, SchemaFile } from './schema-files';
import { UuidType } from './uuid-type';

/** One stored schema version, parsed and fingerprinted. */
export interface SchemaVersion extends SchemaFile {
  /** Parsing Canonical Form: the text the fingerprint is taken over. */
  readonly canonicalForm: string;
  /** The 8 CRC-64-AVRO bytes as they appear on the wire (little-endian). */
  readonly fingerprint: Buffer;
  /** `fingerprint` as 16 lowercase hex digits, in wire byte order. */
  readonly fingerprintHex: string;
  readonly type: Type;
}

/**
 * Every avsc Type is built with these options: unions of null and one type
 * stay plain values (`T | null`), records are plain data without avsc
 * methods, and uuid strings are checked. timestamp-millis has no hook on
 * purpose: it stays a number of milliseconds.
 */
export function parseAvroType(schema: unknown): Type {
  return Type.forSchema(schema as never, {
    wrapUnions: 'auto',
    omitRecordMethods: true,
    logicalTypes: { uuid: UuidType },
    registry: {},
  });
}

/**
 * All stored versions of all event types, indexed by fingerprint. Resolvers
 * from each older version to the current one are built once at load, so an
 * unreadable history fails the process at start, not on the first message.
 */
export class SchemaCatalog {
  private readonly byType = new Map<string, SchemaVersion[]>();
  private readonly byFp = new Map<string, SchemaVersion>();
  private readonly resolvers = new Map<string, Resolver>();

  private constructor(files: readonly SchemaFile[]) {
    for (const file of files) this.add(file);
    for (const writer of this.byFp.values()) {
      const reader = this.current(writer.typeName);
      if (!reader || reader === writer) continue;
      try {
        this.resolvers.set(writer.fingerprintHex, reader.type.createResolver(writer.type));
      } catch (cause) {
        throw new SchemaCatalogError(`${writer.path}: current ${reader.path} cannot read it`, { cause });
      }
    }
  }

  /** Loads `schemas/avro` (found by walking up from this file unless given). */
  static load(schemaDir: string = findSchemaDir()): SchemaCatalog {
    return new SchemaCatalog(readSchemaFiles(schemaDir));
  }

  get typeNames(): readonly string[] {
    return [...this.byType.keys()];
  }

  /** Oldest first. */
  versions(typeName: string): readonly SchemaVersion[] {
    return this.byType.get(typeName) ?? [];
  }

  /** The newest version: what encode writes and decode reads into. */
  current(typeName: string): SchemaVersion | undefined {
    const all = this.byType.get(typeName);
    return all?.[all.length - 1];
  }

  byFingerprint(fingerprintHex: string): SchemaVersion | undefined {
    return this.byFp.get(fingerprintHex);
  }

  /** Resolver from `writer` to its type's current version; undefined when writer is current. */
  resolverFor(writer: SchemaVersion): Resolver | undefined {
    return this.resolvers.get(writer.fingerprintHex);
  }

  private add(file: SchemaFile): void {
    let type: Type;
    let canonicalForm: string;
    try {
      type = parseAvroType(file.schema);
      canonicalForm = parsingCanonicalForm(file.schema);
    } catch (cause) {
      throw new SchemaCatalogError(`${file.path}: not a valid Avro schema`, { cause });
    }
    const fingerprint = fingerprintBytes(canonicalForm);
    const entry: SchemaVersion = { ...file, canonicalForm, fingerprint, fingerprintHex: fingerprint.toString('hex'), type };
    const clash = this.byFp.get(entry.fingerprintHex);
    if (clash) throw new SchemaCatalogError(`${file.path} has the same canonical form as ${clash.path}`);
    this.byFp.set(entry.fingerprintHex, entry);
    this.byType.set(file.typeName, [...this.versions(file.typeName), entry]);
  }
}
