/** Types shared by the merge engine and its callers: fragments in, a merge plan, a unified profile out. */

/** A JSON object as ingested; the engine only ever reads these. */
export type JsonObject = Record<string, unknown>;

/** One identity's record data in one dataset, as the store hands it to the engine. */
export interface Fragment {
  /** The dataset the record came from. */
  datasetId: string;
  /** Stable, unique id of the fragment (e.g. `${datasetId}:${primaryNamespace}:${primaryId}`); the last tie-break. */
  fragmentId: string;
  primaryIdentity: { namespace: string; id: string };
  /** The XDM record as ingested (XED form: `identityMap`, `_tenant` objects, `extSourceSystemAudit`, …). */
  data: JsonObject;
  /** Epoch ms when the store accepted the record. */
  ingestedAt: number;
}

/** The part of an AEP merge policy that decides how fragments combine (ref §4.1). */
export interface MergePolicyRules {
  attributeMerge: { type: 'timestampOrdered' } | { type: 'dataSetPrecedence'; order: string[] };
  /** The caller picks the fragments (`none`: the identity's own, `pdg`: its cluster); the engine only records it. */
  identityGraph: { type: 'none' | 'pdg' };
}

/** Per-call state threaded through the merge; `provenance` is null unless the caller asked for it. */
export interface MergeContext {
  readonly provenance: Record<string, Provenance> | null;
  /** The source of each ranked fragment, indexed by rank. */
  readonly sources: readonly Provenance[];
}

/**
 * A strategy for one top-level field, used when the winning value there is an object: it gets every
 * fragment's object at that field, best first, with their ranks, and returns the merged value.
 */
export type FieldMerger = (objects: readonly JsonObject[], ranks: readonly number[], ctx: MergeContext, path: string) => unknown;

/** A merge policy resolved once, reused for every lookup under that policy. Build it with `compileMergePolicy`. */
export interface MergePlan {
  readonly attributeMerge: 'timestampOrdered' | 'dataSetPrecedence';
  readonly identityGraph: 'none' | 'pdg';
  /** Dataset id → rank (0 is the highest). `null` under timestampOrdered, where every dataset takes part. */
  readonly precedence: ReadonlyMap<string, number> | null;
  /** Top-level field → its strategy; fields not listed use the attribute rule (first non-null by rank). */
  readonly fieldStrategies: ReadonlyMap<string, FieldMerger>;
}

/** Where a value of the merged entity came from. */
export interface Provenance {
  readonly datasetId: string;
  readonly fragmentId: string;
}

export interface MergeOptions {
  /** Also return, per leaf (scalar or whole array) and per identityMap item, the fragment it came from. */
  provenance?: boolean;
}

/** The unified profile: what `GET /access/entities` presents as `entity`, `sources` and `lastModifiedAt`. */
export interface MergedProfile {
  /** The merged XDM record; it shares no object or array with the input fragments. */
  entity: JsonObject;
  /** Distinct dataset ids of the fragments that took part in the merge, highest-ranked first. */
  sources: string[];
  /** Epoch ms: the newest fragment time among the fragments that took part; 0 when none did. */
  lastModifiedAt: number;
  /** With `provenance: true`: JSON Pointer (`/person/name/firstName`, `/identityMap/ECID/0`) → source. */
  provenance?: Record<string, Provenance>;
}
