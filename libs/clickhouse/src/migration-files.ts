import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ClickHouseError } from './clickhouse-error';
import { splitStatements } from './split-statements';

/** One numbered file, `NNN_name.sql`, parsed but not yet bound to a database. */
export interface MigrationFile {
  version: number;
  name: string;
  /** sha256 of the normalised statements: comments and indentation do not count. */
  checksum: string;
  /** Statements with the `{database}` placeholder still in place. */
  text: string;
}

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

const migrationError = (message: string, cause?: unknown): ClickHouseError =>
  new ClickHouseError('ERR_CLICKHOUSE_MIGRATION', message, { cause });

/** Parses one file's contents; `fileName` gives its version and name. */
export function parseMigration(fileName: string, text: string): MigrationFile {
  const m = FILE_NAME.exec(fileName);
  if (!m) throw migrationError(`${fileName}: migration files are named NNN_snake_name.sql`);
  let statements: string[];
  try {
    statements = splitStatements(text);
  } catch (err) {
    throw migrationError(`${fileName}: ${(err as Error).message}`, err);
  }
  if (statements.length === 0) throw migrationError(`${fileName}: no statements`);
  const normalised = statements.join(';\n');
  const checksum = `sha256:${createHash('sha256').update(normalised, 'utf8').digest('hex')}`;
  return { version: Number(m[1]), name: m[2], checksum, text };
}

/**
 * Reads every `.sql` file of `dir`, ordered by version. A `.sql` file with a
 * malformed name is an error rather than skipped: skipping would silently
 * leave a migration unapplied.
 */
export async function loadMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files = await Promise.all(names.map(async (n) => parseMigration(n, await readFile(join(dir, n), 'utf8'))));
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i += 1) {
    if (files[i].version === files[i - 1].version) {
      throw migrationError(`two migrations share version ${files[i].version}: ${files[i - 1].name}, ${files[i].name}`);
    }
  }
  return files;
}

/**
 * `schemas/clickhouse` of the repository, found by walking up from this file,
 * so it resolves from the TypeScript sources and from a build under dist/.
 */
export function defaultMigrationsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'clickhouse');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw migrationError(`no schemas/clickhouse folder above ${from}`);
  }
}
