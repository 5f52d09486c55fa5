/** Options several commands share: where the data lives and which database to use. */
import type { Command } from 'commander';
import { type Config, type ConfigOverrides, loadConfig } from '../config/config.js';

/** Adds `--data` and `--database-url` to a command. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'data folder (env RTPROFILE_DATA, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); default is SQLite in the data folder');
}

/** Loads the config with the flags a command was given (flags win over the environment). */
export function configFrom(options: { data?: string; databaseUrl?: string }, extra: ConfigOverrides = {}): Config {
  return loadConfig(process.env, { dataDir: options.data, databaseUrl: options.databaseUrl, ...extra });
}
