import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SchemaCatalogError } from './errors';

/** Namespace of every Tokenwarden event record. */
export const EVENT_NAMESPACE = 'tokenwarden.events';
/** Folder under schemas/avro holding shared definitions, not event types. */
export const COMMON_DIR = 'common';

/** One stored version: `schemas/avro/<TypeName>/v<version>.avsc`. */
export interface SchemaFile {
  readonly typeName: string;
  readonly version: number;
  readonly path: string;
  readonly schema: Record<string, unknown>;
}

/**
 * Finds `schemas/avro` by walking up from this file, so the same code works
 * from ts-jest (libs/events/src) and from compiled output (dist/libs/events/src)
 * as long as the schemas ship next to the code.
 */
export function findSchemaDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'avro');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) throw new SchemaCatalogError(`no schemas/avro folder above ${from}`);
  }
}

/** Reads every version of every event type; versions must run 1..N without gaps. */
export function readSchemaFiles(schemaDir: string): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const typeName of readdirSync(schemaDir).sort()) {
    const typeDir = join(schemaDir, typeName);
    if (typeName === COMMON_DIR || !statSync(typeDir).isDirectory()) continue;
    const versions = readdirSync(typeDir)
      .filter((f) => f.endsWith('.avsc'))
      .map((f) => {
        const m = /^v([1-9][0-9]*)\.avsc$/.exec(f);
        if (!m) throw new SchemaCatalogError(`${join(typeDir, f)}: schema files are named v<N>.avsc`);
        return Number(m[1]);
      })
      .sort((a, b) => a - b);
    if (versions.length === 0 || versions.some((v, i) => v !== i + 1)) {
      throw new SchemaCatalogError(`${typeDir}: versions must be v1..vN without gaps, found [${versions.join(', ')}]`);
    }
    for (const version of versions) files.push(readOne(typeDir, typeName, version));
  }
  if (files.length === 0) throw new SchemaCatalogError(`${schemaDir} holds no event schemas`);
  return files;
}

function readOne(typeDir: string, typeName: string, version: number): SchemaFile {
  const path = join(typeDir, `v${version}.avsc`);
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SchemaCatalogError(`${path}: not readable JSON`, { cause });
  }
  const s = schema as Record<string, unknown>;
  if (s?.type !== 'record' || s.name !== typeName || s.namespace !== EVENT_NAMESPACE) {
    throw new SchemaCatalogError(`${path}: must be a record named ${typeName} in namespace ${EVENT_NAMESPACE}`);
  }
  return { typeName, version, path, schema: s };
}
