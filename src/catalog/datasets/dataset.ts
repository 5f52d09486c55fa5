/** The dataset aggregate: a named set of records of one schema, tagged for the profile store and identity graph. */
import { DomainError } from '../../shared/errors.js';

/** A dataset as stored; `body` keeps the caller's extra fields (description, fileDescription, …) for round-tripping. */
export interface Dataset {
  readonly tenantId: number;
  readonly id: string;
  readonly name: string;
  readonly schemaId: string;
  /** `tags.unifiedProfile` holds `enabled:true`: rows reach the profile store. */
  readonly profileEnabled: boolean;
  /** `tags.unifiedIdentity` holds `enabled:true`: identities in rows are linked in the identity graph. */
  readonly identityEnabled: boolean;
  readonly body: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

/** Tags are `{namespace: ["value", …]}` as in Catalog. */
export type Tags = Record<string, string[]>;

/** True when a tag list says `enabled:true`; Catalog's own example writes `enabled: true`, so spacing and case are ignored. */
export function tagEnabled(tags: Tags | undefined, name: string): boolean {
  const values = tags?.[name];
  return Array.isArray(values) && values.some((v) => {
    const normal = v.replace(/\s+/g, '').toLowerCase();
    return normal === 'enabled:true' || normal === 'enabled';
  });
}

/** Refuses tags that are not a map of string arrays, naming the bad key. */
export function assertTags(tags: unknown): asserts tags is Tags | undefined {
  if (tags === undefined) return;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new DomainError('DATASET_INVALID', 'tags must be an object of string arrays, e.g. {"unifiedProfile": ["enabled:true"]}');
  }
  for (const [key, value] of Object.entries(tags)) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new DomainError('DATASET_INVALID', `tags.${key} must be an array of strings`);
    }
  }
}
