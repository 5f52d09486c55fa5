/** Bounded polling for effects that cross processes: no fixed sleeps, and a clear failure when the time runs out. */

/** Resolves with the first truthy value `probe` gives, trying every 20 ms; throws after `withinMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, withinMs = 2_000): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
