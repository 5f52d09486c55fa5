/** Applies the versioned migrations in order, each in its own transaction, recording what ran. */
import type { SqlExecutor } from './db.js';
import { MIGRATIONS } from './migrations/index.js';

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`;

/** Ids of migrations the code knows and the database has not applied. */
export async function pendingMigrationIds(db: SqlExecutor): Promise<string[]> {
  await db.run(LEDGER);
  const done = new Set((await db.all<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  return MIGRATIONS.filter((m) => !done.has(m.id)).map((m) => m.id);
}

/** Runs each pending migration inside `transaction`, so a failed one leaves the database as it was. */
export async function applyMigrations(
  dialect: 'sqlite' | 'postgres',
  transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => Promise<T>,
): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    const ran = await transaction(async (tx) => {
      await tx.run(LEDGER);
      // Re-checked inside the transaction: another process may have applied it meanwhile.
      if (await tx.get('SELECT id FROM schema_migrations WHERE id = ?', [migration.id])) return false;
      for (const statement of migration.up(dialect)) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', [migration.id, Date.now()]);
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return applied;
}
