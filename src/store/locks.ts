/** Advisory-lock spaces shared across domains, so writers of the same thing take the same lock. */

/**
 * One sandbox's profile data: the identity graph and every write that changes fragments or the views merged from
 * them. Writers, deletes and view rebuilds of a sandbox take turns under it (PostgreSQL); SQLite writers already do.
 */
export const SANDBOX_PROFILE_LOCK = 7_261_202;

/** One sandbox's job requests: a duplicate check and the insert it guards take turns under it. */
export const SANDBOX_JOBS_LOCK = 7_261_203;

/** One sandbox's segment membership: the streaming consumer and segment jobs take turns writing it. */
export const SEGMENT_LOCK = 7_261_206;

/**
 * Projected documents (one key, 0, for all sandboxes: their stream offsets are one sequence): the projector, fetches
 * on an edge's miss and reproject jobs take turns reading profiles and storing documents, so an older read never
 * lands with a newer stream offset. Taken before the offset counter's row, always.
 */
export const EDGE_LOCK = 7_261_207;
