/** The catalogue of standard (global container) XDM resources this project ships, looked up by `$id` or `meta:altId`. */
import type { XdmResource } from '../types.js';
import { experienceEventClass, profileClass, record, timeSeries } from './classes.js';
import { commerce, measure, order, paymentItem, productListItem, webInfo } from './datatypes-commerce.js';
import {
  address,
  auditable,
  emailAddress,
  geo,
  geoCoordinates,
  identityItem,
  person,
  personName,
  phoneNumber,
} from './datatypes-people.js';
import {
  b2bSource,
  commerceDetails,
  extSourceSystemAudit,
  extSourceSystemAuditDetails,
  identityMap,
  personDetails,
  personalDetails,
  webDetails,
  workDetails,
} from './fieldgroups.js';

const ALL: ReadonlyArray<XdmResource> = Object.freeze([
  record,
  timeSeries,
  profileClass,
  experienceEventClass,
  auditable,
  identityMap,
  personDetails,
  personalDetails,
  workDetails,
  commerceDetails,
  webDetails,
  extSourceSystemAuditDetails,
  identityItem,
  geoCoordinates,
  geo,
  address,
  emailAddress,
  phoneNumber,
  personName,
  person,
  measure,
  paymentItem,
  order,
  commerce,
  productListItem,
  webInfo,
  extSourceSystemAudit,
  b2bSource,
]);

const BY_KEY = new Map<string, XdmResource>();
for (const resource of ALL) {
  BY_KEY.set(resource.$id, resource);
  if (resource['meta:altId'] !== undefined) BY_KEY.set(resource['meta:altId'], resource);
}

/** Every standard resource (classes, behaviours, field groups, data types), frozen. */
export function standardResources(): ReadonlyArray<XdmResource> {
  return ALL;
}

/** Finds a standard resource by `$id` or `meta:altId` (the registry routes accept both). */
export function findStandard(idOrAltId: string): XdmResource | undefined {
  return BY_KEY.get(idOrAltId) ?? BY_KEY.get(safeDecode(idOrAltId));
}

/** Route parameters arrive URL-encoded; a malformed escape is treated as a literal id rather than an exception. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
