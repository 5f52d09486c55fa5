/** Cooperative slicing: long synchronous work (SQLite reads, big answers) yields to the event loop between chunks. */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one slice may hold the event loop before it yields, so /health and other requests keep answering. */
export const SLICE_MS = 5;

/** A checkpoint to await between units of work: it yields once `budgetMs` have passed since the last yield. */
export function slicer(budgetMs = SLICE_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}
