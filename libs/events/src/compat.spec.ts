import { encodeAs, projectToReader, readSample } from '../fixtures/samples';
import { parseAvroType, SchemaCatalog } from './catalog';
import { EventCodec } from './codec';
import { TokenValidated } from './generated/event-types';

// FULL_TRANSITIVE: every stored version reads every other one, in both directions.
const catalog = SchemaCatalog.load();
const pairs = catalog.typeNames.flatMap((t) => {
  const all = catalog.versions(t);
  return all.flatMap((writer) => all.map((reader) => [`${t} v${writer.version} → v${reader.version}`, writer, reader] as const));
});

describe('schema evolution is FULL_TRANSITIVE', () => {
  it('has at least one evolved type, so the check is not vacuous', () => {
    expect(pairs.filter(([, w, r]) => w.version !== r.version).length).toBeGreaterThanOrEqual(2);
  });

  it.each(pairs)('%s resolves and round-trips the writer sample', (_, writer, reader) => {
    const written = readSample(`${writer.typeName}/v${writer.version}`);
    const resolver = reader.type.createResolver(writer.type);
    const read = reader.type.fromBuffer(writer.type.toBuffer(written), resolver);
    expect(read).toEqual(projectToReader(reader.schema, written));
  });

  it('the codec decodes an old writer into the current shape and says which version wrote it', () => {
    const codec = new EventCodec();
    const v1 = catalog.versions('TokenValidated')[0];
    const event = codec.decode(encodeAs(v1, readSample('TokenValidated/v1')));
    expect(event).toMatchObject({ type: 'TokenValidated', writerVersion: 1, fingerprint: v1.fingerprintHex });
    expect((event.value as TokenValidated).resource_server).toBeNull();
  });

  it('an enum symbol added by a future writer reads as the enum default (UNKNOWN)', () => {
    const current = catalog.current('TokenValidated')!;
    const future = JSON.parse(JSON.stringify(current.schema));
    const reason = future.fields.find((f: { name: string }) => f.name === 'reason').type;
    reason.symbols = [...reason.symbols, 'QUANTUM_FORGERY'];
    const writer = parseAvroType(future);
    const value = { ...readSample('TokenValidated/v2'), reason: 'QUANTUM_FORGERY' };
    const read = current.type.fromBuffer(writer.toBuffer(value), current.type.createResolver(writer));
    expect(read.reason).toBe('UNKNOWN');
  });

  it('a field added without a default would be caught', () => {
    const current = catalog.current('Alert')!;
    const broken = JSON.parse(JSON.stringify(current.schema));
    broken.fields.push({ name: 'extra', type: 'string', doc: 'no default' });
    expect(() => parseAvroType(broken).createResolver(current.type)).toThrow();
  });
});
