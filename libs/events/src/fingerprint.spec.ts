import { Type } from 'avsc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc64Avro, fingerprintBytes } from './crc64';
import { parsingCanonicalForm } from './pcf';
import { findSchemaDir, readSchemaFiles } from './schema-files';

interface Vector {
  input: string;
  canonical: string;
  fingerprint: string;
}
const { vectors } = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pcf-vectors.json'), 'utf8')) as { vectors: Vector[] };
const stored = readSchemaFiles(findSchemaDir());

describe('Parsing Canonical Form and CRC-64-AVRO', () => {
  it.each(vectors.map((v) => [v.input, v]))('matches the Avro spec vector %s', (_, v) => {
    const canonical = parsingCanonicalForm(JSON.parse(v.input));
    expect(canonical).toBe(v.canonical);
    // The spec publishes fingerprints as signed 64-bit Java longs.
    expect(BigInt.asIntN(64, crc64Avro(Buffer.from(canonical))).toString()).toBe(v.fingerprint);
  });

  it('writes the fingerprint little-endian, as single-object encoding requires', () => {
    // "int" → 8247732601305521295 = 0x7275d51a3f395c8f
    expect(fingerprintBytes('"int"').toString('hex')).toBe('8f5c393f1ad57572');
  });

  it('agrees with avsc on every stored schema', () => {
    for (const file of stored) {
      const avscForm = JSON.stringify(Type.forSchema(file.schema as never, { wrapUnions: 'auto' }).schema());
      expect([file.path, parsingCanonicalForm(file.schema)]).toEqual([file.path, avscForm]);
    }
  });

  it('drops logical types, docs, defaults and namespaces but keeps full names', () => {
    const schema = {
      type: 'record',
      name: 'R',
      namespace: 'a.b',
      doc: 'x',
      fields: [
        { name: 't', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'd' },
        { name: 'u', type: ['null', { type: 'string', logicalType: 'uuid' }], default: null },
        { name: 'e', type: { type: 'enum', name: 'E', namespace: 'c', symbols: ['A'], default: 'A' } },
        { name: 'e2', type: 'c.E' },
        { name: 'f', type: { type: 'fixed', name: 'F', size: 16 } },
      ],
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"a.b.R","type":"record","fields":[{"name":"t","type":"long"},{"name":"u","type":["null","string"]},' +
        '{"name":"e","type":{"name":"c.E","type":"enum","symbols":["A"]}},{"name":"e2","type":"c.E"},' +
        '{"name":"f","type":{"name":"a.b.F","type":"fixed","size":16}}]}',
    );
  });

  it.each([
    ['a non-schema', 42],
    ['a bad name', { type: 'record', name: '1x', fields: [] }],
    ['a bad symbol', { type: 'enum', name: 'E', symbols: ['a-b'] }],
    ['a bad size', { type: 'fixed', name: 'F', size: '16' }],
    ['a record without fields', { type: 'record', name: 'R' }],
  ])('refuses %s', (_, schema) => {
    expect(() => parsingCanonicalForm(schema)).toThrow();
  });
});
