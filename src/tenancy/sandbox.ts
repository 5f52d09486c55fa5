/** The sandbox aggregate and its rules: names, types, and the default production sandbox every org has. */
import { DomainError } from '../shared/errors.js';

/** Production sandboxes hold live data; development ones are for trying things. AEP never converts one to the other. */
export type SandboxType = 'production' | 'development';

/** One sandbox of one org; `tenantId` is the compact key every row of its data carries. */
export interface Sandbox {
  readonly tenantId: number;
  readonly orgId: string;
  readonly name: string;
  readonly id: string;
  readonly title: string;
  readonly type: SandboxType;
  readonly state: 'active';
  readonly isDefault: boolean;
  readonly etag: number;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly createdBy: string;
}

/** The sandbox a request lands in when it names none, created for each org on first use. */
export const DEFAULT_SANDBOX = 'prod';

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,254}[a-z0-9])?$/;

/** Refuses a sandbox name AEP would refuse: lowercase letters, digits and inner hyphens, at most 256 characters. */
export function assertSandboxName(name: string): void {
  if (!NAME.test(name)) {
    throw new DomainError(
      'SANDBOX_NAME_INVALID',
      `Sandbox name '${name}' is not valid: use lowercase letters, digits and hyphens (not first or last), at most 256 characters`,
    );
  }
}

/** Refuses a type other than production or development. */
export function assertSandboxType(type: string): asserts type is SandboxType {
  if (type !== 'production' && type !== 'development') {
    throw new DomainError('SANDBOX_TYPE_INVALID', `Sandbox type '${type}' is not valid: use 'production' or 'development'`);
  }
}
