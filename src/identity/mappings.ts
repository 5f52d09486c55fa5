/** Identity mappings (the identities of a target namespace linked to an identity) and cluster history, read from the graph. */
import type { SqlExecutor } from '../store/db.js';
import { DomainError } from '../shared/errors.js';
import * as g from './graph.store.js';
import type { IdentityKey, Member } from './graph.store.js';
import type { Namespace } from './namespace.js';
import type { NamespaceIndex } from './namespace.service.js';

/** Resolves `targetNs` given as a namespace id (Adobe's examples send `411`) or a namespace code. */
export function targetNamespace(index: NamespaceIndex, target: string | number): Namespace {
  const text = String(target).trim();
  const ns = /^\d{1,9}$/.test(text) ? index.byId.get(Number(text)) : index.byCode.get(text.toLowerCase());
  if (!ns) throw new DomainError('NAMESPACE_NOT_FOUND', `targetNs '${text}' is not a namespace of this sandbox`);
  return ns;
}

/** The other identities of an identity's graph (its cluster's members) that are in the target namespace, most recently seen first. */
export function mappedIdentities(members: readonly Member[], key: IdentityKey, target: Namespace): Member[] {
  const code = target.code.toLowerCase();
  return members
    .filter((m) => m.ns.toLowerCase() === code && !(m.ns === key.ns && m.id === key.id))
    .sort((a, b) => b.lastSeen - a.lastSeen || a.seq - b.seq);
}

/**
 * The clusters the identity has belonged to. The graph keeps only the current cluster, so the history holds one entry,
 * recorded when the identity entered the graph; an identity the graph has not seen has none.
 */
export async function clusterHistory(db: SqlExecutor, tenantId: number, key: IdentityKey): Promise<Array<{ clusterId: string; recordedAt: number }>> {
  const cluster = await g.clusterOf(db, tenantId, key);
  if (cluster === undefined) return [];
  const self = (await g.membersOfIdentity(db, tenantId, key)).find((m) => m.ns === key.ns && m.id === key.id);
  return [{ clusterId: cluster, recordedAt: self?.firstSeen ?? 0 }];
}
