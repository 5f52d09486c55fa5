/** `rtprofile version`: the package version, Node version and storage engines. */
import type { Command } from 'commander';
import { packageVersion } from '../shared/version.js';

export { packageVersion };

/** Registers `version`. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version of rtprofile and its runtime')
    .action(() => {
      process.stdout.write(JSON.stringify({ rtprofile: packageVersion(), node: process.version }) + '\n');
    });
}
