/** A command-line failure that is not a request error: what went wrong, what to do, and the exit code to use. */

/** Thrown by commands when the environment (no server, no secret, no credential) stops them; main prints it. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
