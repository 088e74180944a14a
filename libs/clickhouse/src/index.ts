export { ClickHouseError, type ClickHouseErrorCode } from './clickhouse-error';
export { ClickHouseStore, type ClickHouseOptions, type ClickHouseRow, clickHouseOptionsFromConfig } from './clickhouse-store';
export { sql, type SqlValue } from './sql';
export { RowBinaryRows } from './row-binary';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate';
export { defaultMigrationsDir, loadMigrations, type MigrationFile } from './migration-files';
