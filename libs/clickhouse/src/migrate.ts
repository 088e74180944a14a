import { ClickHouseError } from './clickhouse-error';
import { ClickHouseStore } from './clickhouse-store';
import { defaultMigrationsDir, loadMigrations, MigrationFile } from './migration-files';
import { splitStatements } from './split-statements';
import { sql } from './sql';

export interface MigrateOptions {
  /** Target database, created if missing; replaces `{database}` in the files. */
  database: string;
  /** Folder of `NNN_name.sql` files. Default: the repository's schemas/clickhouse. */
  dir?: string;
  /** Clock for `applied_at`, injectable for tests. */
  now?: () => number;
}

export interface MigrateResult {
  /** Versions applied by this run, in order. */
  applied: number[];
  /** Versions found already applied (checksums verified). */
  alreadyApplied: number[];
}

/**
 * Applies each pending migration once, in version order, and records it in
 * `<database>.schema_migrations`. An applied migration whose checksum changed
 * stops the run before anything is applied.
 *
 * ClickHouse has no transactional DDL: if a statement fails, the statements
 * before it stay applied and the migration is not recorded, so the next run
 * repeats them. Migrations are therefore written idempotently
 * (`CREATE ... IF NOT EXISTS`); that also makes two runners racing harmless.
 */
export async function migrate(store: Pick<ClickHouseStore, 'command' | 'query'>, options: MigrateOptions): Promise<MigrateResult> {
  const now = options.now ?? Date.now;
  if (options.database.includes('.')) throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', 'database must be one name');
  const db = sql.identifier(options.database);
  const files = await loadMigrations(options.dir ?? defaultMigrationsDir());

  await store.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  // ReplacingMergeTree keyed by version: a record written twice by racing
  // runners collapses to one; FINAL makes reads exact before the merge.
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, checksum String, ` +
      `applied_at DateTime('UTC')) ENGINE = ReplacingMergeTree() ORDER BY version`,
  );
  const recorded = await store.query<{ version: number; name: string; checksum: string }>(
    `SELECT version, name, checksum FROM ${db}.schema_migrations FINAL ORDER BY version`,
  );
  const byVersion = new Map(recorded.map((r) => [Number(r.version), r]));

  const pending: MigrationFile[] = [];
  const alreadyApplied: number[] = [];
  for (const file of files) {
    const done = byVersion.get(file.version);
    if (!done) pending.push(file);
    else if (done.checksum !== file.checksum) {
      throw new ClickHouseError(
        'ERR_CLICKHOUSE_MIGRATION',
        `migration ${file.version} (${file.name}) changed after it was applied to ${options.database}: ` +
          `recorded ${done.checksum}, file ${file.checksum}. Add a new migration instead.`,
      );
    } else alreadyApplied.push(file.version);
  }

  const applied: number[] = [];
  for (const file of pending) {
    for (const statement of splitStatements(file.text, db)) await store.command(statement);
    await store.command(
      `INSERT INTO ${db}.schema_migrations (version, name, checksum, applied_at) VALUES ` +
        `(${sql.number(file.version)}, ${sql.string(file.name)}, ${sql.string(file.checksum)}, ${sql.dateTime(now())})`,
    );
    applied.push(file.version);
  }
  return { applied, alreadyApplied };
}
