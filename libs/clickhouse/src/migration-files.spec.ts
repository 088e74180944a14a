import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError } from './clickhouse-error';
import { defaultMigrationsDir, loadMigrations, parseMigration } from './migration-files';

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof ClickHouseError ? err.code : String(err)),
  );

describe('loadMigrations', () => {
  it('orders files by version and ignores other files', async () => {
    const dir = setup({ '010_b.sql': 'SELECT 2', '002_a.sql': 'SELECT 1', 'README.md': '# notes' });
    const files = await loadMigrations(dir);
    expect(files.map((f) => [f.version, f.name])).toEqual([
      [2, 'a'],
      [10, 'b'],
    ]);
  });

  it.each([
    [{ '1_short.sql': 'SELECT 1' }],
    [{ '001-dash.sql': 'SELECT 1' }],
    [{ '001_a.sql': 'SELECT 1', '0001_b.sql': 'SELECT 2' }],
    [{ '001_empty.sql': '-- nothing\n' }],
    [{ '001_open.sql': "SELECT 'x" }],
  ])('refuses %j', async (files) => {
    expect(await codeOf(loadMigrations(setup(files)))).toBe('ERR_CLICKHOUSE_MIGRATION');
  });
});

describe('parseMigration checksum', () => {
  it('ignores comments and whitespace but not statements', () => {
    const base = parseMigration('001_a.sql', 'CREATE TABLE {database}.t (x String) ENGINE = Memory;');
    const commented = parseMigration('001_a.sql', '-- why\nCREATE TABLE {database}.t\n  (x String)\n  ENGINE = Memory;\n');
    const changed = parseMigration('001_a.sql', 'CREATE TABLE {database}.t (x UInt8) ENGINE = Memory;');
    expect(commented.checksum).toBe(base.checksum);
    expect(changed.checksum).not.toBe(base.checksum);
    expect(base.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('defaultMigrationsDir', () => {
  it("finds the repository's schemas/clickhouse", async () => {
    const files = await loadMigrations(defaultMigrationsDir());
    expect(files[0]).toMatchObject({ version: 1, name: 'token_events' });
  });
});
