/** The merge engine's entry points: ranked fragments in, one unified profile out. */
import { isPlainObject, mergeObjects } from './objects.js';
import { compileMergePolicy, rankFragments } from './policy.js';
import type { Fragment, JsonObject, MergeContext, MergedProfile, MergeOptions, MergePlan, MergePolicyRules, Provenance } from './types.js';

const WITHOUT_PROVENANCE: MergeContext = Object.freeze({ provenance: null, sources: [] });

/**
 * Merges fragments under a compiled plan. Pure: the inputs are never mutated and the result shares no
 * object or array with them, so callers may cache, project or mutate it freely.
 */
export function mergeFragments(plan: MergePlan, fragments: readonly Fragment[], options?: MergeOptions): MergedProfile {
  const ranked = rankFragments(plan, fragments);
  const sources: string[] = [];
  const objects: JsonObject[] = [];
  const ranks: number[] = [];
  let lastModifiedAt = 0;
  for (let r = 0; r < ranked.length; r++) {
    const { fragment, time } = ranked[r]!;
    if (!sources.includes(fragment.datasetId)) sources.push(fragment.datasetId);
    if (r === 0 || time > lastModifiedAt) lastModifiedAt = time;
    // A fragment without an object body still took part (it is in `sources`); it just has no fields.
    if (isPlainObject(fragment.data)) {
      objects.push(fragment.data);
      ranks.push(r);
    }
  }
  let ctx = WITHOUT_PROVENANCE;
  if (options?.provenance === true) {
    const origins = ranked.map(({ fragment }): Provenance => Object.freeze({ datasetId: fragment.datasetId, fragmentId: fragment.fragmentId }));
    ctx = { provenance: {}, sources: origins };
  }
  const entity = objects.length === 0 ? {} : mergeObjects(objects, ranks, ctx, '', plan.fieldStrategies);
  const profile: MergedProfile = { entity, sources, lastModifiedAt };
  if (ctx.provenance !== null) profile.provenance = ctx.provenance;
  return profile;
}

/** One-off merge that compiles the rules on every call; a service should compile once and call `mergeFragments`. */
export function merge(fragments: readonly Fragment[], rules: MergePolicyRules, options?: MergeOptions): MergedProfile {
  return mergeFragments(compileMergePolicy(rules), fragments, options);
}
