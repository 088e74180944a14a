/**
 * Parsing Canonical Form of an Avro schema (Avro specification, "Parsing
 * Canonical Form for Schemas"). Our own implementation rather than avsc's
 * `Type#schema()`, because these bytes decide every message's fingerprint:
 * they must not change with a library upgrade. The tests check it against the
 * spec's vectors, avsc and Apache's python implementation.
 *
 * Rules applied: [PRIMITIVES] `{"type":"int"}` → `"int"`; [FULLNAMES] names
 * and references become fullnames; [STRIP] only name, type, fields, symbols,
 * items, values, size survive (doc, aliases, default, order, namespace and
 * logicalType go); [ORDER] in that order; [WHITESPACE] none. [STRINGS] and
 * [INTEGERS] hold because names must match the Avro name grammar and `size`
 * must be a non-negative integer.
 */
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);
const FULLNAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsingCanonicalForm(schema: unknown): string {
  return canon(schema, '');
}

function canon(s: unknown, ns: string): string {
  if (typeof s === 'string') return JSON.stringify(PRIMITIVES.has(s) ? s : fullname(s, ns));
  if (Array.isArray(s)) return `[${s.map((branch) => canon(branch, ns)).join(',')}]`;
  if (s === null || typeof s !== 'object') throw new Error(`not an Avro schema: ${JSON.stringify(s)}`);
  const o = s as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') throw new Error('an Avro schema object needs a string "type"');
  if (PRIMITIVES.has(type)) return JSON.stringify(type);
  if (type === 'array') return `{"type":"array","items":${canon(o.items, ns)}}`;
  if (type === 'map') return `{"type":"map","values":${canon(o.values, ns)}}`;
  if (!NAMED.has(type)) return canon(type, ns); // {"type":"Name"}: a reference
  return canonNamed(o, type, ns);
}

function canonNamed(o: Record<string, unknown>, type: string, enclosingNs: string): string {
  const ownNs = typeof o.namespace === 'string' ? o.namespace : enclosingNs;
  const name = fullname(o.name, ownNs);
  const ns = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
  const head = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type)}`;
  if (type === 'enum') return `${head},"symbols":[${symbols(o.symbols).join(',')}]}`;
  if (type === 'fixed') return `${head},"size":${size(o.size)}}`;
  if (!Array.isArray(o.fields)) throw new Error(`record ${name} needs "fields"`);
  const fields = o.fields.map((f: Record<string, unknown>) => {
    if (typeof f.name !== 'string' || !SIMPLE_NAME.test(f.name)) throw new Error(`bad field name in ${name}`);
    return `{"name":${JSON.stringify(f.name)},"type":${canon(f.type, ns)}}`;
  });
  return `${head},"fields":[${fields.join(',')}]}`;
}

function fullname(name: unknown, ns: string): string {
  if (typeof name !== 'string' || !FULLNAME.test(name)) throw new Error(`bad Avro name: ${JSON.stringify(name)}`);
  return name.includes('.') || ns === '' ? name : `${ns}.${name}`;
}

function symbols(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error('enum needs "symbols"');
  return value.map((sym) => {
    if (typeof sym !== 'string' || !SIMPLE_NAME.test(sym)) throw new Error(`bad enum symbol: ${JSON.stringify(sym)}`);
    return JSON.stringify(sym);
  });
}

function size(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error('fixed needs an integer "size"');
  return String(value);
}
