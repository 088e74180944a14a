import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One problem with one field of one event; `path` like `header.event_id` or `scope[2]`. Never holds the value. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** Longest string and array the ingest takes in any field: bounds what one event can add to the audit trail. */
export const MAX_STRING_CHARS = 1024;
export const MAX_ARRAY_ITEMS = 256;

type Json = unknown;
interface Named { type: string; name: string; namespace?: string; symbols?: string[]; fields?: FieldDef[]; items?: Json }
interface FieldDef { name: string; type: Json; default?: Json }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// RFC 3339 date-time (section 5.6), with the lower-case t/z it allows; leap seconds are refused (JS has none).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Turns the JSON an HTTP producer sends into the value the Avro codec
 * encodes, walking the record's `.avsc` schema so every problem is reported
 * with its field path:
 * - `["null", T]` unions take a plain T or null (a missing field takes its default, null);
 * - `timestamp-millis` takes integer epoch milliseconds or an RFC 3339 string with an offset;
 * - enums take their exact symbols, except the reader-only `UNKNOWN`;
 * - uuids are lowercase canonical text; undeclared fields are refused.
 */
export class JsonToAvro {
  private readonly named = new Map<string, Named>();

  constructor(private readonly record: Named) {
    this.collect(record, '');
  }

  /** Loads `schemas/avro/<type>/v<version>.avsc`, found by walking up from `from`. */
  static forSchemaFile(typeName: string, version: number, from: string = __dirname): JsonToAvro {
    return new JsonToAvro(JSON.parse(readFileSync(join(findSchemaDir(from), typeName, `v${version}.avsc`), 'utf8')) as Named);
  }

  convert(json: Json): { value: unknown; problems: FieldProblem[] } {
    const problems: FieldProblem[] = [];
    const value = this.walk(this.record, json, '', problems);
    return { value, problems };
  }

  private walk(schema: Json, v: Json, path: string, out: FieldProblem[]): unknown {
    const bad = (message: string) => {
      out.push({ path: path || '(root)', message });
      return undefined;
    };
    if (Array.isArray(schema)) {
      const other = schema.find((s) => s !== 'null');
      if (v === null || v === undefined) return null;
      return this.walk(other, v, path, out);
    }
    if (typeof schema === 'string') {
      const ref = this.named.get(schema);
      if (ref) return this.walk(ref, v, path, out);
      return primitive(schema, v, bad);
    }
    const s = schema as Named & { logicalType?: string };
    if (s.logicalType === 'uuid') return typeof v === 'string' && UUID.test(v) ? v : bad('must be a lowercase RFC 4122 UUID string');
    if (s.logicalType === 'timestamp-millis') return timestamp(v, bad);
    switch (s.type) {
      case 'record':
        return this.walkRecord(s, v, path, out, bad);
      case 'enum': {
        const symbols = (s.symbols ?? []).filter((x) => x !== 'UNKNOWN');
        return typeof v === 'string' && symbols.includes(v) ? v : bad(`must be one of ${symbols.join(', ')}`);
      }
      case 'array': {
        if (!Array.isArray(v)) return bad('must be an array');
        if (v.length > MAX_ARRAY_ITEMS) return bad(`must have at most ${MAX_ARRAY_ITEMS} items`);
        return v.map((item, i) => this.walk(s.items, item, `${path}[${i}]`, out));
      }
      default:
        return primitive(s.type, v, bad);
    }
  }

  private walkRecord(s: Named, v: Json, path: string, out: FieldProblem[], bad: (m: string) => undefined): unknown {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`must be a ${s.name} object`);
    const obj = v as Record<string, unknown>;
    const fields = s.fields ?? [];
    const at = (name: string) => (path ? `${path}.${name}` : name);
    for (const key of Object.keys(obj)) {
      if (!fields.some((f) => f.name === key)) out.push({ path: at(key), message: 'is not a field of the schema' });
    }
    const result: Record<string, unknown> = {};
    for (const f of fields) {
      if (obj[f.name] === undefined) {
        if (f.default === undefined) out.push({ path: at(f.name), message: 'is required' });
        else result[f.name] = structuredClone(f.default);
        continue;
      }
      result[f.name] = this.walk(f.type, obj[f.name], at(f.name), out);
    }
    return result;
  }

  private collect(schema: Json, namespace: string): void {
    if (Array.isArray(schema)) return schema.forEach((s) => this.collect(s, namespace));
    if (schema === null || typeof schema !== 'object') return;
    const s = schema as Named;
    if ((s.type === 'record' || s.type === 'enum') && s.name) {
      const ns = s.namespace ?? namespace;
      const full = s.name.includes('.') ? s.name : `${ns}.${s.name}`;
      this.named.set(full, s);
      this.named.set(s.name, s);
      for (const f of s.fields ?? []) this.collect(f.type, ns);
    }
    if (s.type === 'array') this.collect(s.items, namespace);
  }
}

function primitive(type: string, v: Json, bad: (m: string) => undefined): unknown {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') return bad('must be a string');
      return v.length <= MAX_STRING_CHARS ? v : bad(`must be at most ${MAX_STRING_CHARS} characters`);
    case 'boolean':
      return typeof v === 'boolean' ? v : bad('must be true or false');
    case 'int':
      return Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31 ? v : bad('must be a 32-bit integer');
    case 'long':
      return Number.isSafeInteger(v) ? v : bad('must be an integer within ±2^53');
    default:
      return bad(`has schema type ${type}, which the ingest does not map`);
  }
}

function timestamp(v: Json, bad: (m: string) => undefined): number | undefined {
  const message = 'must be epoch milliseconds (integer) or an RFC 3339 date-time with offset, e.g. 2024-06-11T12:00:00.123Z';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : bad(message);
  if (typeof v !== 'string') return bad(message);
  const ms = parseRfc3339(v);
  return ms === undefined ? bad(message) : ms;
}

/** Milliseconds of an RFC 3339 date-time; digits past milliseconds are truncated. Undefined when invalid. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0;
  const zone = m[8].toUpperCase();
  const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, frac) - offsetMin * 60_000;
}

/** `schemas/avro`, found by walking up (works from apps/ingest/src and from dist/apps/ingest/src). */
export function findSchemaDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'avro');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) throw new Error(`no schemas/avro folder above ${from}`);
  }
}
