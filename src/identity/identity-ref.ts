/** How Identity Service requests name an identity: an XID, or an id with its namespace (code or nsid). */
import { DomainError } from '../shared/errors.js';
import type { IdentityKey } from './graph.store.js';
import type { NamespaceIndex } from './namespace.service.js';
import { fromXid } from './xid.js';

/** The ways a request may name one identity. */
export interface IdentityRef {
  ns?: string;
  namespace?: string;
  nsid?: number;
  id?: string;
  xid?: string;
}

/** Resolves `{ns|namespace|nsid, id}` or an XID to a stored identity key. */
export function resolveKey(index: NamespaceIndex, input: IdentityRef): IdentityKey {
  if (input.xid !== undefined) {
    const decoded = fromXid(input.xid);
    const ns = decoded && index.byId.get(decoded.nsid);
    if (!decoded || !ns) throw new DomainError('IDENTITY_XID_INVALID', `'${input.xid}' is not an XID of this sandbox`);
    return { ns: ns.code, id: decoded.id };
  }
  if (input.id === undefined || input.id === '') throw new DomainError('IDENTITY_QUERY_INVALID', 'Give an xid, or an id with its namespace (namespace code or nsid)');
  const code = input.ns ?? input.namespace;
  const ns = code !== undefined ? index.byCode.get(code.toLowerCase()) : input.nsid !== undefined ? index.byId.get(input.nsid) : undefined;
  if (!ns) throw new DomainError('NAMESPACE_NOT_FOUND', `Namespace '${code ?? input.nsid ?? ''}' does not exist in this sandbox`);
  return { ns: ns.code, id: input.id };
}

/** The namespace id of a key's namespace (-1 when the sandbox no longer has it). */
export function nsidOf(index: NamespaceIndex, key: IdentityKey): number {
  return index.byCode.get(key.ns.toLowerCase())?.id ?? -1;
}

/** Resolves each input; those that name no identity of this sandbox are answered as unprocessed (as `skip`), not as an error. */
export function resolveAll<T extends { query: Parameters<typeof resolveKey>[1]; skip: unknown }>(index: NamespaceIndex, inputs: readonly T[]) {
  const resolved: Array<T & { key: IdentityKey }> = [];
  const unprocessed: unknown[] = [];
  for (const input of inputs) {
    try {
      resolved.push({ ...input, key: resolveKey(index, input.query) });
    } catch {
      unprocessed.push(input.skip);
    }
  }
  return { resolved, unprocessed };
}
