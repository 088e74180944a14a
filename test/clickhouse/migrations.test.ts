import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError, ClickHouseStore, defaultMigrationsDir, loadMigrations, migrate, sql } from '@tokenwarden/clickhouse';
import { setupDatabase, uniqueName } from './clickhouse-env';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const now = () => NOW;

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const errorOf = (p: Promise<unknown>): Promise<ClickHouseError> =>
  p.then(
    () => Promise.reject(new Error('expected a ClickHouseError')),
    (e: ClickHouseError) => e,
  );

describe('migrate against ClickHouse', () => {
  let store: ClickHouseStore;
  let drop: () => Promise<void>;
  const databases: string[] = [];
  // Each test migrates its own database; the helper's database only hosts the store.
  const freshDatabase = () => {
    const name = uniqueName('migrate');
    databases.push(name);
    return name;
  };

  beforeAll(async () => ({ store, drop } = await setupDatabase('migrate_host')));
  afterAll(async () => {
    for (const db of databases) await store.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`);
    await drop();
  });

  const count = async (db: string, final = '') =>
    (await store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(db)}.schema_migrations ${final}`))[0].n;
  const showCreate = async (db: string, table: string) =>
    (await store.query<{ statement: string }>(`SHOW CREATE TABLE ${sql.identifier(`${db}.${table}`)}`))[0].statement;

  it('applies the repository migrations once; a second run changes nothing', async () => {
    const database = freshDatabase();
    const versions = (await loadMigrations(defaultMigrationsDir())).map((m) => m.version);
    expect(versions.length).toBeGreaterThan(1);
    expect(await migrate(store, { database, now })).toEqual({ applied: versions, alreadyApplied: [] });
    const created = await showCreate(database, 'token_events');
    const recorded = await store.query<{ version: number; at: number }>(
      `SELECT version, toUnixTimestamp(applied_at) AS at FROM ${sql.identifier(database)}.schema_migrations ORDER BY version`,
    );
    expect(recorded).toEqual(versions.map((version) => ({ version, at: NOW / 1000 })));

    expect(await migrate(store, { database, now })).toEqual({ applied: [], alreadyApplied: versions });
    expect(await count(database)).toBe(String(versions.length)); // without FINAL: no second record was written
    expect(await showCreate(database, 'token_events')).toBe(created);
  });

  it('applies several statements in version order and fills the {database} placeholder', async () => {
    const database = freshDatabase();
    const dir = migrationsDir({
      '002_rows.sql': "-- seed; two rows\nINSERT INTO {database}.a VALUES ('x;y');\nINSERT INTO {database}.a VALUES ('{database}');\n",
      '001_table.sql': 'CREATE TABLE IF NOT EXISTS {database}.a (s String)\n  ENGINE = MergeTree ORDER BY s;',
    });
    expect(await migrate(store, { database, dir, now })).toEqual({ applied: [1, 2], alreadyApplied: [] });
    const rows = await store.query(`SELECT s FROM ${sql.identifier(database)}.a ORDER BY s`);
    expect(rows).toEqual([{ s: 'x;y' }, { s: '{database}' }]);
  });

  it('refuses a changed applied migration and applies nothing after it', async () => {
    const database = freshDatabase();
    const first = { '001_t.sql': 'CREATE TABLE IF NOT EXISTS {database}.t (x String) ENGINE = MergeTree ORDER BY x;' };
    await migrate(store, { database, dir: migrationsDir(first), now });
    const dir = migrationsDir({
      '001_t.sql': 'CREATE TABLE IF NOT EXISTS {database}.t (x UInt8) ENGINE = MergeTree ORDER BY x;',
      '002_u.sql': 'CREATE TABLE IF NOT EXISTS {database}.u (x String) ENGINE = MergeTree ORDER BY x;',
    });
    const err = await errorOf(migrate(store, { database, dir, now }));
    expect([err.code, err.retriable]).toEqual(['ERR_CLICKHOUSE_MIGRATION', false]);
    expect(await store.query(`EXISTS TABLE ${sql.identifier(database)}.u`)).toEqual([{ result: 0 }]);
    expect(await count(database, 'FINAL')).toBe('1');
  });

  it('does not record a failed migration, and applies it once it is fixed', async () => {
    const database = freshDatabase();
    const good = 'CREATE TABLE IF NOT EXISTS {database}.v (x String) ENGINE = MergeTree ORDER BY x;';
    const broken = migrationsDir({ '001_v.sql': `${good}\nCREATE TABLE {database}.w (x Strin) ENGINE = Memory;` });
    const err = await errorOf(migrate(store, { database, dir: broken, now }));
    expect([err.code, err.retriable]).toEqual(['ERR_CLICKHOUSE_QUERY', false]);
    expect(await count(database)).toBe('0');

    const fixed = migrationsDir({ '001_v.sql': `${good}\nCREATE TABLE IF NOT EXISTS {database}.w (x String) ENGINE = Memory;` });
    expect(await migrate(store, { database, dir: fixed, now })).toEqual({ applied: [1], alreadyApplied: [] });
  });

  it('token_events collapses a redelivered event and partitions by UTC month', async () => {
    const database = freshDatabase();
    await migrate(store, { database, now });
    const eventTime = Math.floor(Date.UTC(2024, 1, 29, 23, 30, 0) / 1000);
    const event = {
      event_id: '8f1c6c8e-8a1b-4e4e-9a55-1f1f9d9e0001', event_type: 'TokenIssued', event_time: eventTime,
      tenant_id: 'acme', trace_id: 'tr-1', session_id: null, subject_ref: 'subj-1', client_id: 'web', ip: '203.0.113.9',
      producer_service: 'token-service', producer_instance: 'i-1', producer_version: '0.1.0',
      jti: 'jti-1', iss: 'https://issuer.example', token_kind: 'access', outcome: '', reason: '', alg: 'ES256', kid: 'k1',
      aud: ['api'], scope: ['read', 'write'], issued_at: eventTime, expires_at: eventTime + 900,
      family_id: '', parent_jti: '', lifetime_seconds: 900, detail: '{}', ingested_at: eventTime + 1,
    };
    const table = `${database}.token_events`;
    await store.insert(table, [event]);
    await store.insert(table, [{ ...event, ingested_at: eventTime + 60 }]); // the redelivery
    const rows = await store.query(
      `SELECT toString(count()) AS n, toString(uniqExact(event_id)) AS u FROM ${sql.identifier(table)} FINAL`,
    );
    expect(rows).toEqual([{ n: '1', u: '1' }]);
    const parts = await store.query(
      `SELECT DISTINCT partition FROM system.parts WHERE database = ${sql.string(database)} AND table = 'token_events' AND active`,
    );
    expect(parts).toEqual([{ partition: '202402' }]);
  });
});
