/** Transport-neutral domain errors: a stable code and a message, never an HTTP status (http/problem.ts maps them). */

/** Extra, machine-readable detail carried by an error (shown as `report`/`errors` by the HTTP mapper). */
export interface ErrorDetails {
  /** Per-item problems, e.g. one per invalid field or record. */
  errors?: ReadonlyArray<Record<string, unknown>>;
  /** A structured report, e.g. AEP's streaming validation report. */
  report?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The one error type domain code throws for anything a caller did wrong or asked for that does not exist. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

/** True for a DomainError, including one thrown across module copies (matched by shape, never by message). */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError || (err instanceof Error && err.name === 'DomainError' && typeof (err as DomainError).code === 'string');
}
