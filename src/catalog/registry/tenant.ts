/** Tenant naming and identifier generation: the `{TENANT_ID}` of an org, resource `$id`s and `meta:altId`s. */
import { randomBytes } from 'node:crypto';

/** Who acts, in which org and sandbox; `RequestContext` from tenancy satisfies it, so the registry needs no HTTP types. */
export interface RegistryContext {
  readonly orgId: string;
  readonly clientId: string;
  /** The store key of the sandbox every row carries. */
  readonly tenantId: number;
  readonly sandbox: { readonly id: string; readonly type: string; readonly name: string };
}

/** The resource kinds a tenant can create, spelled as `meta:resourceType` and as the `$id` path segment. */
export type RegistryKind = 'schemas' | 'mixins' | 'datatypes' | 'classes';

/**
 * The org's `{TENANT_ID}` (field namespace `_{TENANT_ID}`): the lowercase letters and digits of the org id before `@`
 * (`ACME@AdobeOrg` → `acme`), since AEP tenant ids are short lowercase names that must be valid field names.
 * An org id with none falls back to `tenant` (isolation never depends on it: rows are keyed by sandbox).
 */
export function tenantIdOf(orgId: string): string {
  const local = orgId.split('@')[0] ?? '';
  const cleaned = local.toLowerCase().replace(/[^a-z0-9]/g, '');
  return cleaned === '' ? 'tenant' : cleaned;
}

/** A fresh `$id` and `meta:altId` pair, `https://ns.adobe.com/{TENANT}/{kind}/{hex}` and `_{TENANT}.{kind}.{hex}`. */
export function newResourceIds(tenant: string, kind: RegistryKind): { $id: string; altId: string } {
  const hex = randomBytes(16).toString('hex');
  return { $id: `https://ns.adobe.com/${tenant}/${kind}/${hex}`, altId: `_${tenant}.${kind}.${hex}` };
}

/** A descriptor `@id`: 40 hex characters, the length AEP's identity descriptor examples use. */
export function newDescriptorId(): string {
  return randomBytes(20).toString('hex');
}

/** The next minor version: `1.0` → `1.1`; AEP bumps the minor on every update and keeps the major at 1. */
export function bumpVersion(version: string | undefined): string {
  const m = /^(\d+)\.(\d+)$/.exec(version ?? '');
  return m === null ? '1.0' : `${m[1]}.${Number(m[2]) + 1}`;
}

/** Route parameters are a `meta:altId` or a URL-encoded `$id`; a malformed escape is kept literally instead of throwing. */
export function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}
