import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaCatalog } from './catalog';
import { SchemaCatalogError } from './errors';
import { findSchemaDir } from './schema-files';

const realDir = findSchemaDir();

function setup(edit: (dir: string) => void = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'tw-schemas-'));
  cpSync(realDir, dir, { recursive: true });
  edit(dir);
  return { dir, load: () => SchemaCatalog.load(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('SchemaCatalog', () => {
  it('loads every version and indexes it by fingerprint', () => {
    const catalog = SchemaCatalog.load();
    expect(catalog.typeNames).toHaveLength(8);
    expect(catalog.versions('TokenValidated').map((v) => v.version)).toEqual([1, 2]);
    expect(catalog.current('TokenValidated')?.version).toBe(2);
    for (const t of catalog.typeNames) {
      for (const v of catalog.versions(t)) expect(catalog.byFingerprint(v.fingerprintHex)).toBe(v);
    }
    expect(catalog.current('Nope')).toBeUndefined();
    expect(catalog.byFingerprint('0000000000000000')).toBeUndefined();
  });

  it('builds resolvers only for versions older than the current one', () => {
    const catalog = SchemaCatalog.load();
    const [v1, v2] = catalog.versions('TokenValidated');
    expect(catalog.resolverFor(v1)).toBeDefined();
    expect(catalog.resolverFor(v2)).toBeUndefined();
  });

  it('finds schemas/avro from compiled output too (walks up from its own folder)', () => {
    expect(findSchemaDir(join(realDir, '..', '..', 'dist', 'libs', 'events', 'src'))).toBe(realDir);
    expect(() => findSchemaDir(tmpdir())).toThrow(SchemaCatalogError);
  });

  it.each([
    ['a gap in versions', (d: string) => writeFileSync(join(d, 'Alert', 'v3.avsc'), '{}')],
    ['a badly named file', (d: string) => writeFileSync(join(d, 'Alert', 'latest.avsc'), '{}')],
    ['broken JSON', (d: string) => writeFileSync(join(d, 'Alert', 'v1.avsc'), '{')],
    ['a record named unlike its folder', (d: string) => cpSync(join(d, 'Alert', 'v1.avsc'), join(d, 'ConsentChanged', 'v1.avsc'))],
    ['an invalid Avro schema', (d: string) => {
      const s = readJson(join(d, 'Alert', 'v1.avsc'));
      s.fields.push({ name: 'x', type: 'NoSuchType', doc: 'x' });
      writeFileSync(join(d, 'Alert', 'v2.avsc'), JSON.stringify(s));
    }],
    ['a version that only changes docs (same fingerprint)', (d: string) => {
      const s = readJson(join(d, 'Alert', 'v1.avsc'));
      s.doc = 'new words';
      writeFileSync(join(d, 'Alert', 'v2.avsc'), JSON.stringify(s));
    }],
    ['a version the current one cannot read', (d: string) => {
      const s = readJson(join(d, 'Alert', 'v1.avsc'));
      s.fields.push({ name: 'x', type: 'string', doc: 'no default' });
      writeFileSync(join(d, 'Alert', 'v2.avsc'), JSON.stringify(s));
    }],
  ])('refuses %s with SchemaCatalogError', (_, edit) => {
    const { load, cleanup } = setup(edit);
    try {
      expect(load).toThrow(SchemaCatalogError);
    } finally {
      cleanup();
    }
  });
});
