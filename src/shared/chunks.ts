/** Splitting a list into runs for multi-row statements, inside both backends' bound-parameter limits. */

/** `all` in runs of `size`. */
export function* chunks<T>(all: readonly T[], size: number): Generator<readonly T[]> {
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}
