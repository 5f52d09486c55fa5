/** Compiles merge-policy rules into a plan once, and ranks fragments by it: the winner of every conflict is decided here. */
import { mergeIdentityMaps } from './identity-map.js';
import { fragmentTime, ingestionTime } from './time.js';
import type { FieldMerger, Fragment, MergePlan, MergePolicyRules } from './types.js';

/** Thrown by `compileMergePolicy` for rules it cannot run; `code` is stable for the service's error mapper. */
export class MergePolicyError extends Error {
  readonly code = 'MERGE_POLICY_INVALID';
  override readonly name = 'MergePolicyError';
}

/** A fragment with the keys it is ranked by, computed once per merge. */
export interface RankedFragment {
  readonly fragment: Fragment;
  /** Position of its dataset in `order` (0 = highest); 0 for every fragment under timestampOrdered. */
  readonly precedence: number;
  /** Fragment time (custom timestamp or ingestion time), epoch ms. */
  readonly time: number;
  readonly ingestedAt: number;
}

// identityMap is the one XDM field whose conflicts are not resolved by a winner: identities accumulate.
const FIELD_STRATEGIES: ReadonlyMap<string, FieldMerger> = new Map([['identityMap', mergeIdentityMaps]]);

function fail(message: string): never {
  throw new MergePolicyError(message);
}

/**
 * Resolves the rules into a frozen plan: the dataset precedence table and the per-field strategy table,
 * so that a lookup does no policy interpretation. Throws `MergePolicyError` on rules AEP would reject.
 */
export function compileMergePolicy(rules: MergePolicyRules): MergePlan {
  const graph = rules?.identityGraph?.type;
  if (graph !== 'none' && graph !== 'pdg') fail(`identityGraph.type must be "none" or "pdg", got ${JSON.stringify(graph)}`);
  // Typed input, but it comes from stored JSON: check what the types only promise.
  const attributeMerge: { type?: unknown; order?: unknown } | undefined = rules.attributeMerge;
  const type = attributeMerge?.type;
  let precedence: Map<string, number> | null = null;
  if (type === 'dataSetPrecedence') {
    const order = attributeMerge!.order;
    if (!Array.isArray(order)) fail('attributeMerge.order is required with dataSetPrecedence');
    precedence = new Map();
    for (const datasetId of order) {
      if (typeof datasetId !== 'string') fail('attributeMerge.order must list dataset ids (strings)');
      // A dataset listed twice keeps its first, higher position.
      if (!precedence.has(datasetId)) precedence.set(datasetId, precedence.size);
    }
  } else if (type !== 'timestampOrdered') {
    fail(`attributeMerge.type must be "timestampOrdered" or "dataSetPrecedence", got ${JSON.stringify(type)}`);
  }
  return Object.freeze({
    attributeMerge: type,
    identityGraph: graph,
    precedence,
    fieldStrategies: FIELD_STRATEGIES,
  });
}

// Module-level so that ranking allocates no comparator per call.
function compareRanked(a: RankedFragment, b: RankedFragment): number {
  const byPrecedence = a.precedence - b.precedence;
  if (byPrecedence !== 0) return byPrecedence;
  const byTime = b.time - a.time;
  if (byTime !== 0) return byTime;
  const byIngestion = b.ingestedAt - a.ingestedAt;
  if (byIngestion !== 0) return byIngestion;
  const x = a.fragment.fragmentId;
  const y = b.fragment.fragmentId;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The fragments that take part in the merge, best first. Ranking keys, in order: dataset position in
 * `order` (dataSetPrecedence only; unlisted datasets are dropped), newer fragment time, newer
 * `ingestedAt`, smaller `fragmentId` (code-unit order). The order of `fragments` never matters unless
 * two fragments share a fragmentId, which the store must not produce.
 */
export function rankFragments(plan: MergePlan, fragments: readonly Fragment[]): RankedFragment[] {
  const ranked: RankedFragment[] = [];
  const precedence = plan.precedence;
  for (const fragment of fragments) {
    let position = 0;
    if (precedence !== null) {
      const p = precedence.get(fragment.datasetId);
      if (p === undefined) continue; // "datasets not listed in order are not merged at all" (ref §4.2)
      position = p;
    }
    ranked.push({ fragment, precedence: position, time: fragmentTime(fragment), ingestedAt: ingestionTime(fragment) });
  }
  if (ranked.length > 1) ranked.sort(compareRanked);
  return ranked;
}
