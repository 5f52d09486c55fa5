/** `rtprofile version`: the package version, Node version and storage engines. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';

/** The version in package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Registers `version`. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version of rtprofile and its runtime')
    .action(() => {
      process.stdout.write(JSON.stringify({ rtprofile: packageVersion(), node: process.version }) + '\n');
    });
}
