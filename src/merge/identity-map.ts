/** identityMap merge: identities accumulate across fragments instead of one fragment's map winning. */
import { copyJson, isPlainObject, pointer, setOwn } from './objects.js';
import type { JsonObject, MergeContext } from './types.js';

interface MergedItem {
  readonly id: string;
  /** The item as each fragment that has it wrote it, best first. */
  readonly occurrences: JsonObject[];
  /** Rank of the best fragment that has it: its provenance. */
  readonly rank: number;
}

interface MergedNamespace {
  /** Namespace codes compare case-insensitively (xdm.md §7: `Email` in the API, `email` in examples). */
  readonly folded: string;
  /** Spelled as the best fragment that has an identity in it spells it. */
  readonly key: string;
  readonly items: MergedItem[];
}

// Linear scans: a profile has a handful of namespaces and ids (the graph limit caps it at 50),
// where a Map per namespace would cost more to build than it saves.
function namespaceFor(namespaces: MergedNamespace[], key: string): MergedNamespace {
  const folded = key.toLowerCase();
  for (const ns of namespaces) if (ns.folded === folded) return ns;
  const ns: MergedNamespace = { folded, key, items: [] };
  namespaces.push(ns);
  return ns;
}

function itemFor(ns: MergedNamespace, id: string, rank: number): MergedItem {
  for (const item of ns.items) if (item.id === id) return item;
  const item: MergedItem = { id, occurrences: [], rank };
  ns.items.push(item);
  return item;
}

/** Identity items are flat in XDM (`id`, `authenticatedState`, `primary`): each field is the best non-null one. */
function mergeItem(item: MergedItem, isPrimary: boolean): JsonObject {
  const out: JsonObject = {};
  for (const occurrence of item.occurrences) {
    for (const key in occurrence) {
      const v = occurrence[key];
      if (v === null || v === undefined || Object.hasOwn(out, key)) continue;
      setOwn(out, key, copyJson(v));
    }
  }
  // One primary per profile (xdm.md §4.2): the rest keep an explicit false if any fragment flagged them.
  if (isPrimary) out['primary'] = true;
  else if (Object.hasOwn(out, 'primary')) out['primary'] = false;
  return out;
}

/**
 * The union of the identityMaps given best first: one item per (namespace, id), namespaces and items in
 * order of first appearance by rank. Items without a non-empty string `id`, and namespace values that
 * are not arrays, are dropped. `primary: true` is kept only on the first item flagged primary by the
 * best fragment that flags one.
 */
export function mergeIdentityMaps(maps: readonly JsonObject[], ranks: readonly number[], ctx: MergeContext, path: string): JsonObject {
  const namespaces: MergedNamespace[] = [];
  let primary: MergedItem | null = null;
  for (let i = 0; i < maps.length; i++) {
    const map = maps[i]!;
    for (const key in map) {
      const list = map[key];
      if (!Array.isArray(list)) continue;
      let ns: MergedNamespace | null = null;
      for (const entry of list) {
        if (!isPlainObject(entry)) continue;
        const id = entry['id'];
        if (typeof id !== 'string' || id === '') continue;
        ns ??= namespaceFor(namespaces, key);
        const item = itemFor(ns, id, ranks[i]!);
        item.occurrences.push(entry);
        if (primary === null && entry['primary'] === true) primary = item;
      }
    }
  }
  const out: JsonObject = {};
  for (const ns of namespaces) {
    const items = new Array<JsonObject>(ns.items.length);
    for (let k = 0; k < items.length; k++) {
      const item = ns.items[k]!;
      items[k] = mergeItem(item, item === primary);
      if (ctx.provenance !== null) ctx.provenance[pointer(pointer(path, ns.key), String(k))] = ctx.sources[item.rank]!;
    }
    setOwn(out, ns.key, items);
  }
  return out;
}
