/** The `rtprofile` command line: serve, token, migrate, version (and the commands each domain adds). */
import { Command, CommanderError } from 'commander';
import { isDomainError } from '../shared/errors.js';
import { isStoreConnectError } from '../store/index.js';
import { registerCaCommand } from './ca.command.js';
import { registerDemoCommand } from './demo/demo.command.js';
import { registerEdgeCommand } from './edge.command.js';
import { registerImportCommand } from './import.command.js';
import { registerInletCommand } from './inlet.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerPqlCommand } from './pql.command.js';
import { registerSegmentCommand } from './segment.command.js';
import { registerServeCommand } from './serve.command.js';
import { registerSetupCommand } from './setup.command.js';
import { registerTokenCommand } from './token.command.js';
import { registerVersionCommand, packageVersion } from './version.command.js';
import { CliError } from './cli-error.js';

/** Builds the program with every command; exported so tests can drive it without a child process. */
export function buildProgram(): Command {
  const program = new Command('rtprofile')
    .description('Real-time Customer Profile service, wire-compatible with Adobe Experience Platform')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError();
  registerServeCommand(program);
  registerTokenCommand(program);
  registerMigrateCommand(program);
  registerDemoCommand(program);
  registerSetupCommand(program);
  registerImportCommand(program);
  registerInletCommand(program);
  registerPqlCommand(program);
  registerCaCommand(program);
  registerSegmentCommand(program);
  registerEdgeCommand(program);
  registerVersionCommand(program);
  return program;
}

/** Runs the CLI; a domain error prints its message and exits 2, an unreachable store exits 1 with one line, else a crash. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof CliError) {
      process.stderr.write(`rtprofile: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (isDomainError(err)) {
      process.stderr.write(`rtprofile: ${err.message}\n`);
      process.exit(2);
    }
    if (isStoreConnectError(err)) {
      process.stderr.write(`rtprofile: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
