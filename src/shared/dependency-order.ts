/** Orders items so each comes after those it depends on (a cycle, which checks refuse, is cut rather than looped). */

/** `items` with every dependency (by id, among `items`) before its dependents; otherwise in their given order. */
export function inDependencyOrder<T>(items: readonly T[], id: (item: T) => string, dependencies: (item: T) => readonly string[]): T[] {
  const byId = new Map(items.map((i) => [id(i), i]));
  const out: T[] = [];
  const done = new Set<string>();
  const visit = (item: T, depth: number): void => {
    const key = id(item);
    if (done.has(key) || depth > items.length) return;
    for (const dep of dependencies(item)) {
      const other = byId.get(dep);
      if (other) visit(other, depth + 1);
    }
    if (!done.has(key)) done.add(key), out.push(item);
  };
  for (const item of items) visit(item, 0);
  return out;
}
