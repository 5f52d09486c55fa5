/** Connected components of identities under links: pure, for splitting a cluster after links are removed. */
import { type IdentityKey, keyOf } from './graph.store.js';


/** Groups `nodes` into the components their `edges` form, largest first, each in input order. */
export function components(nodes: readonly IdentityKey[], edges: ReadonlyArray<readonly [IdentityKey, IdentityKey]>): IdentityKey[][] {
  const parent = new Map<string, string>();
  for (const n of nodes) parent.set(keyOf(n), keyOf(n));
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let cur = x;
    while (parent.get(cur) !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  for (const [a, b] of edges) {
    const ka = keyOf(a);
    const kb = keyOf(b);
    if (!parent.has(ka) || !parent.has(kb)) continue;
    const ra = find(ka);
    const rb = find(kb);
    if (ra !== rb) parent.set(ra, rb);
  }
  const groups = new Map<string, IdentityKey[]>();
  for (const n of nodes) {
    const root = find(keyOf(n));
    const group = groups.get(root) ?? [];
    group.push(n);
    groups.set(root, group);
  }
  return [...groups.values()].sort((x, y) => y.length - x.length);
}
