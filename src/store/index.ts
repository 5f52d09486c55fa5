/** The storage module's public surface. */
export type { Db, DbCapabilities, NoticeHandler, SqlExecutor, SqlParam, TableInfo } from './db.js';
export { openStore } from './open.js';
export { openSqlite } from './sqlite/sqlite-db.js';
export { openPostgres } from './postgres/postgres-db.js';
export { StoreConnectError, isStoreConnectError } from './postgres/connect-errors.js';
export { MIGRATIONS, SANDBOX_SCOPED_TABLES } from './migrations/index.js';
