/** `rtprofile migrate`: applies pending migrations and exits (serve also does this at boot). */
import type { Command } from 'commander';
import { openStore } from '../store/index.js';
import { configFrom, withStoreOptions } from './options.js';

/** Registers `migrate`. */
export function registerMigrateCommand(program: Command): void {
  withStoreOptions(program.command('migrate').description('apply pending database migrations and exit')).action(
    async (options: { data?: string; databaseUrl?: string }) => {
      const config = configFrom(options);
      const db = await openStore(config);
      const pending = await db.pendingMigrations();
      await db.close();
      process.stdout.write(JSON.stringify({ store: db.dialect, upToDate: pending.length === 0 }) + '\n');
    },
  );
}
