import { EVENT_NAMESPACE, SchemaFile } from './schema-files';

/** The one command that rewrites libs/events/src/generated/event-types.ts. */
export const REGENERATE_COMMAND =
  'npx tsc --outDir .local/gen --module commonjs --target es2022 --types node --skipLibCheck scripts/gen-event-types.ts' +
  ' && node .local/gen/scripts/gen-event-types.js';

type Json = Record<string, unknown>;
const NUMBER_TYPES = new Set(['int', 'long', 'float', 'double']);
const LOGICAL_NOTES: Record<string, string> = {
  'timestamp-millis': '(Avro timestamp-millis: a number of milliseconds since the Unix epoch.)',
  uuid: '(Avro uuid: lowercase text.)',
};

/**
 * TypeScript declarations for the current version of every event type,
 * derived from the .avsc files so the types cannot drift from the contract.
 * Avro → TS: long/int → number (ms for timestamps), nullable union → `T | null`,
 * array → readonly array, enum → union of symbol literals.
 */
export function generateEventTypes(files: readonly SchemaFile[]): string {
  const current = new Map<string, SchemaFile>();
  for (const f of files) if ((current.get(f.typeName)?.version ?? 0) < f.version) current.set(f.typeName, f);
  const names = [...current.keys()].sort();
  const gen = new Generator();
  for (const name of names) gen.tsType(current.get(name)!.schema, current.get(name)!.path);
  return [
    '// Generated from schemas/avro (the newest version of each event type) by scripts/gen-event-types.ts.',
    '// Do not edit: change the .avsc files, then run from the repository root:',
    `//   ${REGENERATE_COMMAND}`,
    '',
    ...gen.declarations,
    `export const EVENT_TYPE_NAMES = [${names.map((n) => `'${n}'`).join(', ')}] as const;`,
    '/** Name of an event record type; the discriminant of TokenwardenEvent. */',
    'export type EventTypeName = (typeof EVENT_TYPE_NAMES)[number];',
    '',
    '/** The value type of each event type. */',
    'export interface EventValueMap {',
    ...names.map((n) => `  ${n}: ${n};`),
    '}',
    '',
    '/** Symbols of every enum, in schema order. */',
    'export const ENUM_SYMBOLS = {',
    ...gen.enums.map(([n, symbols]) => `  ${n}: [${symbols.map((s) => `'${s}'`).join(', ')}],`),
    '} as const;',
    '',
  ].join('\n');
}

class Generator {
  readonly declarations: string[] = [];
  readonly enums: [string, string[]][] = [];
  private readonly seen = new Map<string, { json: string; path: string }>();

  tsType(s: unknown, path: string): string {
    if (typeof s === 'string') return this.primitiveOrRef(s);
    // Null last: `string | null` reads better than `null | string`.
    if (Array.isArray(s)) return s.map((b) => this.tsType(b, path)).sort((a, b) => Number(a === 'null') - Number(b === 'null')).join(' | ');
    const o = s as Json;
    if (o.type === 'array') return `readonly ${this.wrap(this.tsType(o.items, path))}[]`;
    if (o.type === 'map') return `Readonly<Record<string, ${this.tsType(o.values, path)}>>`;
    if (o.type === 'record' || o.type === 'enum' || o.type === 'fixed') return this.named(o, path);
    return this.tsType(o.type, path);
  }

  private primitiveOrRef(s: string): string {
    if (NUMBER_TYPES.has(s)) return 'number';
    if (s === 'bytes') return 'Buffer';
    if (['null', 'boolean', 'string'].includes(s)) return s;
    return shortName(s);
  }

  private wrap(t: string): string {
    return t.includes(' | ') ? `(${t})` : t;
  }

  private named(o: Json, path: string): string {
    const name = shortName(String(o.name));
    const json = JSON.stringify(o);
    const prior = this.seen.get(name);
    if (prior && prior.json !== json) throw new Error(`${name} is defined differently in ${prior.path} and ${path}`);
    if (prior) return name;
    this.seen.set(name, { json, path });
    if (o.type === 'fixed') return 'Buffer';
    if (o.type === 'enum') {
      const symbols = o.symbols as string[];
      this.enums.push([name, symbols]);
      this.declarations.push(...docLines(o.doc, ''), `export type ${name} = ${symbols.map((x) => `'${x}'`).join(' | ')};`, '');
      return name;
    }
    const body: string[] = [];
    for (const f of o.fields as Json[]) {
      const note = logicalNote(f.type);
      body.push(...docLines([f.doc, note].filter(Boolean).join(' '), '  '), `  readonly ${f.name}: ${this.tsType(f.type, path)};`);
    }
    this.declarations.push(...docLines(o.doc, ''), `export interface ${name} {`, ...body, '}', '');
    return name;
  }
}

function shortName(fullname: string): string {
  const dot = fullname.lastIndexOf('.');
  if (dot >= 0 && fullname.slice(0, dot) !== EVENT_NAMESPACE) throw new Error(`${fullname} is outside ${EVENT_NAMESPACE}`);
  return fullname.slice(dot + 1);
}

function logicalNote(t: unknown): string | undefined {
  if (Array.isArray(t)) return t.map(logicalNote).find(Boolean);
  if (t && typeof t === 'object') {
    const o = t as Json;
    return typeof o.logicalType === 'string' ? LOGICAL_NOTES[o.logicalType] : o.type === 'array' ? logicalNote(o.items) : undefined;
  }
  return undefined;
}

/** A doc comment wrapped at 100 columns. */
function docLines(doc: unknown, indent: string): string[] {
  if (typeof doc !== 'string' || doc === '') return [];
  const words = doc.replace(/\*\//g, '*\\/').split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + 3 + line.length + 1 + w.length > 100) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.length === 1 ? [`${indent}/** ${lines[0]} */`] : [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}
