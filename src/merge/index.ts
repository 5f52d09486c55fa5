/** The merge engine's public surface: the service imports from here only. */
export { merge, mergeFragments } from './merge.js';
export { compileMergePolicy, MergePolicyError, rankFragments } from './policy.js';
export type { RankedFragment } from './policy.js';
export { fragmentTime, parseDateTime } from './time.js';
export type {
  FieldMerger,
  Fragment,
  JsonObject,
  MergeContext,
  MergedProfile,
  MergeOptions,
  MergePlan,
  MergePolicyRules,
  Provenance,
} from './types.js';
