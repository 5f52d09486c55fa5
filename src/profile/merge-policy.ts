/** The merge policy aggregate: which fragments make a profile (identity graph) and who wins a conflict (attribute merge). */
import { DomainError } from '../shared/errors.js';

/** A merge policy as stored and presented. */
export interface MergePolicy {
  readonly tenantId: number;
  readonly id: string;
  readonly name: string;
  /** The XDM class `meta:altId` the policy applies to, e.g. `_xdm.context.profile`. */
  readonly className: string;
  readonly identityGraph: 'none' | 'pdg';
  readonly attributeMerge: 'timestampOrdered' | 'dataSetPrecedence';
  /** Dataset ids, highest priority first; only under dataSetPrecedence. */
  readonly order: readonly string[];
  readonly isDefault: boolean;
  readonly isActiveOnEdge: boolean;
  readonly version: number;
  /** Epoch seconds of the last change. */
  readonly updateEpoch: number;
}

/** The fields a caller sets (create, replace, patch). */
export interface MergePolicyFields {
  name: string;
  className: string;
  identityGraph: string;
  attributeMerge: string;
  order?: readonly string[] | undefined;
  isDefault: boolean;
  isActiveOnEdge: boolean;
}

/** The classes a profile merge policy may name. */
export const POLICY_CLASSES = ['_xdm.context.profile', '_xdm.context.experienceevent'] as const;

/** The policy used when a sandbox has no default: no merge across identities, newest fragment wins. */
export const NO_DEFAULT_POLICY = Object.freeze({ id: 'none', identityGraph: 'none', attributeMerge: 'timestampOrdered', order: [] as string[] });

/** Refuses fields AEP would refuse, naming the one at fault. */
export function assertPolicyFields(f: MergePolicyFields): asserts f is MergePolicyFields & { identityGraph: 'none' | 'pdg'; attributeMerge: 'timestampOrdered' | 'dataSetPrecedence' } {
  const bad = (message: string) => new DomainError('MERGE_POLICY_INVALID', message);
  if (typeof f.name !== 'string' || f.name.trim() === '') throw bad('name is required');
  if (!(POLICY_CLASSES as readonly string[]).includes(f.className)) throw bad(`schema.name '${f.className}' is not valid: use ${POLICY_CLASSES.join(' or ')}`);
  if (f.identityGraph !== 'none' && f.identityGraph !== 'pdg') throw bad(`identityGraph.type '${f.identityGraph}' is not valid: use none or pdg`);
  if (f.attributeMerge !== 'timestampOrdered' && f.attributeMerge !== 'dataSetPrecedence') {
    throw bad(`attributeMerge.type '${f.attributeMerge}' is not valid: use timestampOrdered or dataSetPrecedence`);
  }
  if (f.attributeMerge === 'dataSetPrecedence' && (!Array.isArray(f.order) || f.order.length === 0)) {
    throw bad('attributeMerge.order is required with dataSetPrecedence: the dataset ids, highest priority first');
  }
  if (f.order && !f.order.every((d) => typeof d === 'string' && d !== '')) throw bad('attributeMerge.order must be a list of dataset ids');
}

/** Reads a boolean that clients send as true, "true", false or "false". */
export function parseFlag(value: unknown, field: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false' || value === undefined) return false;
  throw new DomainError('MERGE_POLICY_INVALID', `${field} must be true or false, not ${JSON.stringify(value)}`);
}
