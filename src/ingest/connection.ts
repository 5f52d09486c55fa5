/** Streaming connections (Flow Service "HTTP API" connections): each owns an inlet that accepts messages. */
import { DomainError } from '../shared/errors.js';

/** The HTTP API streaming connection spec's id in Flow Service. */
export const HTTP_API_CONNECTION_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3';

/** A connection as stored. */
export interface Connection {
  readonly tenantId: number;
  readonly id: string;
  readonly inletId: string;
  readonly name: string;
  /** When true the collection endpoints need the bearer token and sandbox headers (our default, unlike AEP's). */
  readonly authRequired: boolean;
  readonly body: Readonly<Record<string, unknown>>;
  readonly etag: number;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

/** The create payload, as Flow Service takes it. */
export interface ConnectionInput {
  name: string;
  description?: string;
  connectionSpec: { id: string; version?: string };
  auth: { specName?: string; params: { name?: string; sourceId?: string; dataType?: string; authenticationRequired?: boolean } };
}

/** Refuses a connection that is not an XDM HTTP API streaming connection, naming the field. */
export function assertConnectionInput(input: ConnectionInput): void {
  if (input.connectionSpec.id !== HTTP_API_CONNECTION_SPEC) {
    throw new DomainError(
      'CONNECTION_SPEC_UNSUPPORTED',
      `connectionSpec.id '${input.connectionSpec.id}' is not supported: use the HTTP API streaming spec ${HTTP_API_CONNECTION_SPEC}`,
    );
  }
  const dataType = input.auth.params.dataType ?? 'xdm';
  if (dataType !== 'xdm') {
    throw new DomainError('CONNECTION_INVALID', `auth.params.dataType '${dataType}' is not supported: only 'xdm' messages are accepted`);
  }
}
