import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSchemaDir, readSchemaFiles } from './schema-files';
import { generateEventTypes, REGENERATE_COMMAND } from './type-gen';

describe('generated event types', () => {
  it('match the .avsc files (otherwise regenerate, see the message)', () => {
    const committed = readFileSync(join(__dirname, 'generated', 'event-types.ts'), 'utf8');
    const fresh = generateEventTypes(readSchemaFiles(findSchemaDir()));
    if (committed !== fresh) {
      throw new Error(`libs/events/src/generated/event-types.ts is stale. From the repository root run:\n  ${REGENERATE_COMMAND}`);
    }
  });

  it('maps Avro to TypeScript as documented', () => {
    const out = generateEventTypes([
      {
        typeName: 'Demo',
        version: 1,
        path: 'demo',
        schema: {
          type: 'record',
          name: 'Demo',
          namespace: 'tokenwarden.events',
          doc: 'A demo; with */ inside.',
          fields: [
            { name: 'at', doc: 'When.', type: { type: 'long', logicalType: 'timestamp-millis' } },
            { name: 'maybe', doc: 'Maybe.', type: ['null', 'string'], default: null },
            { name: 'list', doc: 'List.', type: { type: 'array', items: { type: 'enum', name: 'E', doc: 'E.', symbols: ['A', 'B'] } } },
          ],
        },
      },
    ]);
    expect(out).toContain('/** A demo; with *\\/ inside. */');
    expect(out).toContain('readonly at: number;');
    expect(out).toContain('readonly maybe: string | null;');
    expect(out).toContain("export type E = 'A' | 'B';");
    expect(out).toContain('readonly list: readonly E[];');
    expect(out).toContain("E: ['A', 'B'],");
    expect(out).toContain("export const EVENT_TYPE_NAMES = ['Demo'] as const;");
  });

  it('refuses a named type defined two different ways', () => {
    const rec = (doc: string) => ({ type: 'record', name: 'Shared', doc, fields: [] });
    const file = (n: string, doc: string) => ({
      typeName: n,
      version: 1,
      path: n,
      schema: { type: 'record', name: n, namespace: 'tokenwarden.events', doc: n, fields: [{ name: 's', doc: 's', type: rec(doc) }] },
    });
    expect(() => generateEventTypes([file('A', 'one'), file('B', 'two')])).toThrow(/Shared is defined differently/);
  });
});
