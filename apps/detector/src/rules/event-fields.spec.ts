import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../testing/engine-kit';
import { BODY_FIELDS, HEADER_FIELDS, MATCHABLE_TYPES } from './event-fields';

type AvroField = { name: string; type: unknown };

/** The newest .avsc of a type, straight from schemas/avro (the source of truth). */
function fields(type: string): Map<string, unknown> {
  const dir = join(ROOT, 'schemas/avro', type);
  const newest = readdirSync(dir).filter((f) => /^v\d+\.avsc$/.test(f)).sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1))).pop()!;
  const schema = JSON.parse(readFileSync(join(dir, newest), 'utf8')) as { fields: AvroField[] };
  return new Map(schema.fields.map((f) => [f.name, f.type]));
}

describe('fields the rules can name', () => {
  it.each(MATCHABLE_TYPES)('exist in the %s schema with the same enum symbols', (type) => {
    const schema = fields(type);
    const header = schema.get('header') as { fields: AvroField[] };
    const headerNames = header.fields.map((f) => f.name);
    for (const name of Object.keys(HEADER_FIELDS)) expect(headerNames).toContain(name);
    for (const [name, spec] of Object.entries(BODY_FIELDS[type])) {
      expect(schema.has(name)).toBe(true);
      const t = schema.get(name) as { type?: string; symbols?: string[] } | string | unknown[];
      if (spec.kind === 'enum') expect((t as { symbols: string[] }).symbols).toEqual(spec.symbols);
      if (spec.kind === 'boolean') expect(t).toBe('boolean');
      if (spec.kind === 'string') expect(JSON.stringify(t)).toMatch(/"string"/);
    }
  });
});
