import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaCatalog } from './catalog';
import { COMMON_DIR, findSchemaDir, readSchemaFiles, SchemaFile } from './schema-files';

// House rules for the .avsc files (schemas/avro/README.md explains them).
const dir = findSchemaDir();
const files = readSchemaFiles(dir);
const newest = [...new Map(files.map((f) => [f.typeName, f])).values()];
type Json = Record<string, unknown>;

/** Every named type and field in a schema, with where it sits. */
function visit(s: unknown, at: string, out: { at: string; node: Json; kind: 'named' | 'field' }[] = []) {
  if (Array.isArray(s)) s.forEach((b, i) => visit(b, `${at}|${i}`, out));
  if (!s || typeof s !== 'object' || Array.isArray(s)) return out;
  const o = s as Json;
  if (o.type === 'record' || o.type === 'enum' || o.type === 'fixed') out.push({ at, node: o, kind: 'named' });
  for (const f of (o.fields as Json[] | undefined) ?? []) {
    out.push({ at: `${at}.${f.name}`, node: f, kind: 'field' });
    visit(f.type, `${at}.${f.name}`, out);
  }
  visit(o.items, `${at}[]`, out);
  if (typeof o.type === 'object') visit(o.type, at, out);
  return out;
}
const nodes = (f: SchemaFile) => visit(f.schema, `${f.typeName}/v${f.version}`);

describe('schemas/avro house rules', () => {
  it('every stored version keeps the fingerprint it was published with', () => {
    // Data already on Kafka names its writer by fingerprint: a published file must never change
    // its canonical form. Evolve by adding v<N+1>.avsc; add its line to fingerprints.json.
    const lock = JSON.parse(readFileSync(join(dir, 'fingerprints.json'), 'utf8'));
    const catalog = SchemaCatalog.load(dir);
    const actual = Object.fromEntries(
      catalog.typeNames.flatMap((t) => catalog.versions(t).map((v) => [`${t}/v${v.version}`, v.fingerprintHex])),
    );
    expect(actual).toEqual(lock);
  });

  it('every record and enum and every field has a doc', () => {
    const undocumented = files.flatMap(nodes).filter((n) => typeof n.node.doc !== 'string' || n.node.doc === '');
    expect(undocumented.map((n) => n.at)).toEqual([]);
  });

  it('every enum has a default symbol, so readers survive symbols added later', () => {
    const enums = files.flatMap(nodes).filter((n) => n.node.type === 'enum');
    expect(enums.length).toBeGreaterThan(5);
    for (const e of enums) expect([e.at, e.node.default]).toEqual([e.at, 'UNKNOWN']);
    for (const e of enums) expect((e.node.symbols as string[]).includes('UNKNOWN')).toBe(true);
  });

  it('no default holds "eyJ", so a decoded event can hold a raw JWT only if its bytes do', () => {
    // The projector's raw-token rule scans the bytes for "eyJ" before it walks the decoded value.
    const defaults = files.flatMap(nodes).filter((n) => n.kind === 'field' && 'default' in n.node);
    expect(defaults.length).toBeGreaterThan(10);
    expect(defaults.filter((n) => JSON.stringify(n.node.default).includes('eyJ')).map((n) => n.at)).toEqual([]);
  });

  it('unions are only ["null", T] with default null (decoded as T | null)', () => {
    const unions = files.flatMap(nodes).filter((n) => n.kind === 'field' && Array.isArray(n.node.type));
    for (const u of unions) {
      const branches = u.node.type as unknown[];
      expect([u.at, branches.length, branches[0], u.node.default]).toEqual([u.at, 2, 'null', null]);
    }
  });

  it('every record starts with header: EventHeader, and the newest versions embed common/EventHeader.avsc', () => {
    const common = JSON.parse(readFileSync(join(dir, COMMON_DIR, 'EventHeader.avsc'), 'utf8'));
    delete common.namespace; // inherited from the record that embeds it
    for (const f of files) expect([f.path, ((f.schema.fields as Json[])[0].type as Json).name]).toEqual([f.path, 'EventHeader']);
    for (const f of newest) expect([f.path, (f.schema.fields as Json[])[0].type]).toEqual([f.path, common]);
  });

  it('covers the event types of DESIGN.md', () => {
    expect(newest.map((f) => f.typeName).sort()).toEqual(
      ['Alert', 'ConsentChanged', 'IssuanceDenied', 'KeyLifecycle', 'SubjectErased', 'TokenIssued', 'TokenRevoked', 'TokenValidated'],
    );
  });

  it('times are timestamp-millis longs and event ids are uuids', () => {
    const all = files.flatMap(nodes).filter((n) => n.kind === 'field');
    const timeFields = all.filter((n) => /(_at|_time|_start|_end|_seen)$/.test(n.at));
    expect(timeFields.length).toBeGreaterThan(10);
    for (const t of timeFields) expect([t.at, t.node.type]).toEqual([t.at, { type: 'long', logicalType: 'timestamp-millis' }]);
    for (const e of all.filter((n) => n.at.endsWith('.event_id'))) expect(e.node.type).toEqual({ type: 'string', logicalType: 'uuid' });
  });
});
