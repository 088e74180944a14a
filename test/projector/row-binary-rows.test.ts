// The projector writes RowBinary (RowBinaryRows over TABLE_SCHEMAS); the
// analyst tests and the row-mapping contract insert the same toRow rows as
// JSONEachRow. This pins that both land byte for byte the same, for every
// event type, for values at the edges of their columns and for hostile strings.
import { ClickHouseRow, ClickHouseStore, migrate, RowBinaryRows, sql } from '@tokenwarden/clickhouse';
import { EVENT_TYPE_NAMES, EventHeader, TokenwardenEvent } from '@tokenwarden/events';
import { ProjectorTable, TABLE_COLUMNS, TABLE_SCHEMAS, toRow } from '../../apps/projector/src/projection/row-mapping';
import { HOSTILE_STRINGS } from '../../libs/clickhouse/src/hostile-strings.fixture';
import { sampleEvent } from '../../libs/events/fixtures/samples';
import { setupDatabase } from '../clickhouse/clickhouse-env';

const INGESTED_AT = Date.UTC(2024, 10, 29, 14);
const TABLES: ProjectorTable[] = ['token_events', 'key_events', 'alerts'];

function events(): TokenwardenEvent[] {
  const out: TokenwardenEvent[] = EVENT_TYPE_NAMES.map((type) => ({ type, value: sampleEvent(type) }) as TokenwardenEvent);
  // Hostile strings in header and body strings, and in detail (a field without a column).
  Object.values(HOSTILE_STRINGS).forEach((s, i) => {
    const base = sampleEvent('TokenIssued');
    const header: EventHeader = { ...base.header, event_id: `hostile-${i}`, client_id: s, trace_id: s, session_id: s };
    out.push({ type: 'TokenIssued', value: { ...base, header, jti: s, scope: [s, ''], aud: [], grant_type: base.grant_type, consent_ref: s } } as TokenwardenEvent);
  });
  // Values their nullable columns cannot hold (NULL there, exact in detail) and saturated lifetimes.
  const edge = sampleEvent('TokenIssued');
  out.push({
    type: 'TokenIssued',
    value: { ...edge, header: { ...edge.header, event_id: 'edge-1', ip: null, session_id: null }, expires_at: Date.UTC(2200, 0, 1), lifetime_seconds: 2 ** 40 },
  } as TokenwardenEvent);
  return out;
}

describe('RowBinary rows of the projector land as JSONEachRow rows do', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;

  beforeAll(async () => ({ store, database, drop } = await setupDatabase('projector_rowbinary')));
  afterAll(async () => drop());

  it('stores every column identically for every event type, edge value and hostile string', async () => {
    const [viaJson, viaRowBinary] = [`${database}_json`, `${database}_rb`];
    await migrate(store, { database: viaJson });
    await migrate(store, { database: viaRowBinary });
    try {
      const projected = events().map((e) => toRow(e, INGESTED_AT));
      for (const table of TABLES) {
        const rows: ClickHouseRow[] = projected.filter((p) => p.table === table).map((p) => p.row);
        const encoded = new RowBinaryRows(TABLE_SCHEMAS[table]);
        for (const row of rows) encoded.push(row);
        await store.insert(`${viaJson}.${table}`, rows);
        await store.insertRowBinary(`${viaRowBinary}.${table}`, encoded);
      }
      for (const table of TABLES) {
        // Strings compared as the server's hex of their bytes, so no client-side decoding can hide a difference.
        const columns = TABLE_COLUMNS[table].map((c) => `toString(${sql.identifier(c)}) AS ${sql.identifier(c)}, hex(toString(${sql.identifier(c)})) AS ${sql.identifier(`${c}_hex`)}`);
        const read = (db: string) => store.query(`SELECT ${columns.join(', ')} FROM ${sql.identifier(`${db}.${table}`)} ORDER BY event_id`);
        const [json, rowBinary] = [await read(viaJson), await read(viaRowBinary)];
        expect(rowBinary).toEqual(json);
        expect(rowBinary.length).toBe(projected.filter((p) => p.table === table).length);
      }
      // The analyst view's derived tables saw the same rows too.
      const lifecycle = (db: string) => store.query(`SELECT * FROM ${sql.identifier(`${db}.token_lifecycle`)} ORDER BY tenant_id, iss, jti`);
      expect(await lifecycle(viaRowBinary)).toEqual(await lifecycle(viaJson));
    } finally {
      for (const db of [viaJson, viaRowBinary]) await store.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`);
    }
  });
});
