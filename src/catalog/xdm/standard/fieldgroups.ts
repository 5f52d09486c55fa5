/** The standard field groups (registry resource type `mixins`) and the audit data types only they use. */
import type { XdmResource, XdmSchemaNode } from '../types.js';
import { EXTENSIBLE_CONTEXT, array, dateTime, props, ref, resource, str, type ResourceSpec } from './builders.js';
import { EXPERIENCE_EVENT_CLASS_ID, PROFILE_CLASS_ID } from './classes.js';
import { COMMERCE_ID, PRODUCT_LIST_ITEM_ID, WEB_INFO_ID } from './datatypes-commerce.js';
import { ADDRESS_ID, EMAIL_ADDRESS_ID, IDENTITY_ITEM_ID, PERSON_ID, PHONE_NUMBER_ID } from './datatypes-people.js';

export const IDENTITY_MAP_ID = 'https://ns.adobe.com/xdm/context/identitymap';
export const PERSON_DETAILS_ID = 'https://ns.adobe.com/xdm/context/profile-person-details';
export const PERSONAL_DETAILS_ID = 'https://ns.adobe.com/xdm/context/profile-personal-details';
export const WORK_DETAILS_ID = 'https://ns.adobe.com/xdm/context/profile-work-details';
export const COMMERCE_DETAILS_ID = 'https://ns.adobe.com/xdm/context/experienceevent-commerce';
export const WEB_DETAILS_ID = 'https://ns.adobe.com/xdm/context/experienceevent-web';
export const EXT_SOURCE_AUDIT_DETAILS_ID = 'https://ns.adobe.com/xdm/common/external-source-system-audit-details';
export const EXT_SOURCE_AUDIT_ID = 'https://ns.adobe.com/xdm/common/external-source-system-audit';
export const B2B_SOURCE_ID = 'https://ns.adobe.com/xdm/datatypes/b2b-source';

/** A field group whose fields live in one definition named like the group, the layout every standard group uses. */
function fieldGroup(
  spec: Omit<ResourceSpec, 'resourceType' | 'allOf' | 'definitions'> & {
    fields: Record<string, XdmSchemaNode>;
    definition?: string;
    intendedToExtend: string[];
    abstract?: boolean;
  },
): XdmResource {
  const definition = spec.definition ?? new URL(spec.$id).pathname.split('/').pop() ?? 'fields';
  return resource({
    $id: spec.$id,
    resourceType: 'mixins',
    title: spec.title,
    description: spec.description,
    definitions: { [definition]: props(spec.fields) },
    allOf: spec.abstract === false ? [`#/definitions/${definition}`] : [EXTENSIBLE_CONTEXT, `#/definitions/${definition}`],
    meta: {
      'meta:extensible': true,
      ...(spec.abstract === false ? {} : { 'meta:abstract': true }),
      'meta:intendedToExtend': spec.intendedToExtend,
    },
  });
}

export const identityMap: XdmResource = fieldGroup({
  $id: IDENTITY_MAP_ID,
  title: 'IdentityMap',
  description:
    'A map of end user identities keyed by namespace code (or namespace ID); each value is an array, so a namespace may carry several identities.',
  fields: {
    identityMap: {
      type: 'object',
      'meta:xdmType': 'map',
      additionalProperties: { type: 'array', items: { $ref: IDENTITY_ITEM_ID } },
    },
  },
  intendedToExtend: [],
  abstract: false,
});

export const personDetails: XdmResource = fieldGroup({
  $id: PERSON_DETAILS_ID,
  title: 'Demographic Details',
  description: 'Demographic information such as name, gender, and birth date of an individual.',
  fields: { person: ref(PERSON_ID, 'Person', 'An individual actor, contact, or owner.') },
  intendedToExtend: [PROFILE_CLASS_ID, EXPERIENCE_EVENT_CLASS_ID],
});

const address = (title: string, description: string) => ref(ADDRESS_ID, title, description);
const phone = (title: string, description: string) => ref(PHONE_NUMBER_ID, title, description);

export const personalDetails: XdmResource = fieldGroup({
  $id: PERSONAL_DETAILS_ID,
  title: 'Personal Contact Details',
  description: 'Contact information for an individual person such as home address, phone number, fax, and email.',
  fields: {
    homeAddress: address('Home Address', 'A home postal address.'),
    personalEmail: ref(EMAIL_ADDRESS_ID, 'Personal Email', 'A personal email address.'),
    homePhone: phone('Home Phone', 'Home phone number.'),
    mobilePhone: phone('Mobile Phone', 'Mobile phone number.'),
    faxPhone: phone('Fax Phone', 'Fax phone number.'),
    shippingAddressPhone: phone('Shipping Address Phone', 'Phone number associated with shipping address.'),
    billingAddressPhone: phone('Billing Address Phone', 'Phone number associated with billing address.'),
    shippingAddress: address('Shipping Address', 'Shipping postal address.'),
    billingAddress: address('Billing Address', 'Billing postal address.'),
    mailingAddress: address('Mailing Address', 'Mailing postal address.'),
  },
  intendedToExtend: [PROFILE_CLASS_ID, EXPERIENCE_EVENT_CLASS_ID],
});

export const workDetails: XdmResource = fieldGroup({
  $id: WORK_DETAILS_ID,
  title: 'Work Contact Details',
  description: 'Work-related details of a person such as work address, work email, and work phone number.',
  fields: {
    workAddress: address('Work Address', 'A work postal address.'),
    workEmail: ref(EMAIL_ADDRESS_ID, 'Work Email', 'A work email address.'),
    workPhone: phone('Work Phone', 'Work phone number.'),
    organizations: array({ type: 'string' }, 'Organizations', 'Organizations the person belongs to.'),
  },
  intendedToExtend: [PROFILE_CLASS_ID],
});

export const commerceDetails: XdmResource = fieldGroup({
  $id: COMMERCE_DETAILS_ID,
  title: 'Commerce Details',
  description: 'Commerce data such as product information (SKU, name, quantity) and standard cart and order operations.',
  fields: {
    productListItems: array(
      { $ref: PRODUCT_LIST_ITEM_ID },
      'Product list items',
      'The products a customer selected, with the options and pricing of that moment.',
    ),
    commerce: ref(COMMERCE_ID, 'Commerce', 'Product returns, warranty registration, and shopping cart/order process.'),
  },
  intendedToExtend: [EXPERIENCE_EVENT_CLASS_ID],
});

export const webDetails: XdmResource = fieldGroup({
  $id: WEB_DETAILS_ID,
  title: 'Web Details',
  description: 'Web details of an event such as interaction, page details, and referrer.',
  fields: { web: ref(WEB_INFO_ID, 'Web', 'Link clicks, web page details, referrer information, and browser details.') },
  intendedToExtend: [EXPERIENCE_EVENT_CLASS_ID],
});

export const b2bSource: XdmResource = resource({
  $id: B2B_SOURCE_ID,
  resourceType: 'datatypes',
  title: 'B2B Source',
  description: 'Identifiers of a record in a B2B or CRM source.',
  definitions: {
    'b2b-source': props({
      sourceType: str('Source Type', 'Instance or Organization Id of the source data.'),
      sourceInstanceID: str('Source Instance ID', 'Name of the platform with the source data.'),
      sourceID: str('Source ID', 'Identifier of the record from the source data.'),
      sourceKey: str('Source Key', 'Unique identifier composed of the sourceType, sourceInstanceId, and sourceId.'),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/b2b-source'],
  meta: { 'meta:extensible': true, 'meta:abstract': true },
});

export const extSourceSystemAudit: XdmResource = resource({
  $id: EXT_SOURCE_AUDIT_ID,
  resourceType: 'datatypes',
  title: 'External Source System Audit Attributes',
  description: 'Audit fields kept by the external system a record came from.',
  definitions: {
    externalSourceSystemAudit: props({
      createdBy: str('Created By', 'Name of the user who created this record.'),
      createdDate: dateTime('Created Date', 'Date when this record was created.'),
      lastUpdatedBy: str('Last Updated By', 'User who last modified this record.'),
      lastUpdatedDate: dateTime('Last Updated Date', 'Date when this record was last modified.'),
      lastActivityDate: dateTime('Last Activity Date', 'Last activity date.'),
      lastReferencedDate: dateTime('Last Referenced Date', 'Last referenced date.'),
      lastViewedDate: dateTime('Last Viewed Date', 'Last viewed date.'),
      externalID: str('External ID', 'Identifier of the record in the external source, for de-duplication.'),
      externalKey: ref(B2B_SOURCE_ID, 'External Key', 'External unique identifier to the source used for auditing.'),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/externalSourceSystemAudit'],
  meta: { 'meta:extensible': true },
});

export const extSourceSystemAuditDetails: XdmResource = fieldGroup({
  $id: EXT_SOURCE_AUDIT_DETAILS_ID,
  title: 'External Source System Audit Details',
  description: 'Audit properties for external sources; recommended because profile ingestion is asynchronous.',
  definition: 'externalSourceSystemAuditDetails',
  fields: {
    extSourceSystemAudit: ref(EXT_SOURCE_AUDIT_ID, 'External Source System Audit Properties', 'Audit attributes for external sources.'),
  },
  intendedToExtend: [],
  abstract: false,
});
