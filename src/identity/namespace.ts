/** Identity namespaces: the standard ones every sandbox has, their types, and the rules for custom ones. */
import { DomainError } from '../shared/errors.js';

/** Identity Service's idType values (responses use upper case; requests may use either). */
export const ID_TYPES = ['COOKIE', 'CROSS_DEVICE', 'DEVICE', 'EMAIL', 'MOBILE', 'NON_PEOPLE', 'PHONE'] as const;
export type IdType = (typeof ID_TYPES)[number];

/** A namespace as Identity Service returns it. */
export interface Namespace {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly idType: IdType;
  readonly custom: boolean;
  readonly createTime: number;
  readonly updateTime: number;
}

const std = (id: number, code: string, name: string, idType: IdType, description: string): Namespace =>
  Object.freeze({ id, code, name, description, idType, custom: false, createTime: 1495153678000, updateTime: 1495153678000 });

/** The standard namespaces, with Identity Service's ids where documented. */
export const STANDARD_NAMESPACES: readonly Namespace[] = Object.freeze([
  std(0, 'CORE', 'CORE (Audience Manager)', 'COOKIE', 'Adobe Audience Manager UUID'),
  std(4, 'ECID', 'ECID', 'COOKIE', 'Experience Cloud ID'),
  std(6, 'Email', 'Email', 'EMAIL', 'Email address'),
  std(7, 'Phone', 'Phone', 'PHONE', 'Phone number'),
  std(8, 'WAID', 'Windows AID', 'DEVICE', 'Windows advertising id'),
  std(9, 'TNTID', 'TNTID', 'COOKIE', 'Adobe Target id'),
  std(10, 'AAID', 'Adobe Analytics (Legacy ID)', 'COOKIE', 'Adobe Analytics visitor id'),
  std(11, 'Email_LC_SHA256', 'Emails (SHA256, lowercased)', 'EMAIL', 'SHA-256 of the lower-cased email address'),
  std(12, 'Phone_E.164', 'Phone (E.164)', 'PHONE', 'Phone number in E.164 format'),
  std(13, 'Phone_SHA256', 'Phone (SHA256)', 'PHONE', 'SHA-256 of the phone number'),
  std(14, 'Phone_SHA256_E.164', 'Phone (SHA256_E.164)', 'PHONE', 'SHA-256 of the E.164 phone number'),
  std(15, 'CRMID', 'CRM ID', 'CROSS_DEVICE', 'Customer id from a CRM system'),
  std(16, 'GCLID', 'Google Click ID', 'NON_PEOPLE', 'Google click id'),
  std(17, 'APNS', 'Apple Push Notification service', 'DEVICE', 'Apple push token'),
  std(18, 'FCM', 'Firebase Cloud Messaging', 'DEVICE', 'Firebase push token'),
  std(411, 'AdCloud', 'AdCloud', 'COOKIE', 'Adobe Advertising Cloud id'),
  std(20914, 'GAID', 'Google Ad ID', 'DEVICE', 'Google advertising id'),
  std(20915, 'IDFA', 'Apple IDFA', 'DEVICE', 'Apple advertising id'),
]);

/** Custom namespace ids start here, far from the standard ones. */
export const FIRST_CUSTOM_ID = 1_000_000;

/**
 * Deletion priority when a graph passes its size limit (Identity Service guardrails): cookies go first, then devices,
 * then people identifiers. A lower number is evicted earlier.
 */
export function evictionPriority(idType: IdType): number {
  if (idType === 'COOKIE') return 0;
  if (idType === 'DEVICE' || idType === 'MOBILE') return 1;
  return 2;
}

/** Parses an idType in either case. */
export function parseIdType(value: string): IdType {
  const upper = value.toUpperCase();
  if (!(ID_TYPES as readonly string[]).includes(upper)) {
    throw new DomainError('NAMESPACE_INVALID', `idType '${value}' is not valid: use one of ${ID_TYPES.join(', ')}`);
  }
  return upper as IdType;
}

/** Refuses a code that is not letters and digits (Identity Service also allows the documented '_' and '.' of standard codes only). */
export function assertNamespaceCode(code: string): void {
  if (!/^[A-Za-z0-9]{1,64}$/.test(code)) {
    throw new DomainError('NAMESPACE_INVALID', `Namespace code '${code}' is not valid: letters and digits only, at most 64`);
  }
}
