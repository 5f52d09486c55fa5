/** Data types about people and their contact points: audit, identity item, geo, postal address, email, phone, person. */
import type { XdmResource } from '../types.js';
import { EXTENSIBLE_CONTEXT, bool, date, dateTime, int, labels, num, obj, props, ref, resource, str } from './builders.js';

export const AUDITABLE_ID = 'https://ns.adobe.com/xdm/common/auditable';
export const IDENTITY_ITEM_ID = 'https://ns.adobe.com/xdm/context/identityitem';
export const GEO_COORDINATES_ID = 'http://schema.org/GeoCoordinates';
export const GEO_ID = 'https://ns.adobe.com/xdm/common/geo';
export const ADDRESS_ID = 'https://ns.adobe.com/xdm/common/address';
export const EMAIL_ADDRESS_ID = 'https://ns.adobe.com/xdm/context/emailaddress';
export const PHONE_NUMBER_ID = 'https://ns.adobe.com/xdm/context/phonenumber';
export const PERSON_NAME_ID = 'https://ns.adobe.com/xdm/context/person-name';
export const PERSON_ID = 'https://ns.adobe.com/xdm/context/person';

const STATUS_LABELS: Array<[string, string]> = [
  ['active', 'Active'],
  ['incomplete', 'Incomplete'],
  ['pending_verification', 'Pending verification'],
  ['blacklisted', 'Blacklisted'],
  ['blocked', 'Blocked'],
];
const statusReason = str('Status reason', 'A description of the current status.');

/** The audit trail the profile class mixes in; the `_repo` dates are inlined rather than shipped as a separate resource. */
export const auditable: XdmResource = resource({
  $id: AUDITABLE_ID,
  resourceType: 'mixins',
  title: 'Audit trail',
  description: 'Indicates a data record is auditable: who created or last modified it, and when.',
  definitions: {
    auditlog: props({
      repositoryCreatedBy: str('Created by user identifier', 'User ID of who created the record.'),
      repositoryLastModifiedBy: str('Modified by user identifier', 'User ID of who last modified the record.'),
      createdByBatchID: str('Created by batch identifier', 'The batch whose dataset files created the record.', {
        format: 'uri-reference',
      }),
      modifiedByBatchID: str('Modified by batch identifier', 'The last batch that modified the record.', {
        format: 'uri-reference',
      }),
    }),
    'date-properties': props({
      _repo: obj(
        {
          createDate: dateTime('Create date', 'When the record was created in the repository (system-set).'),
          modifyDate: dateTime('Modify date', 'When the record was last modified in the repository (system-set).'),
        },
        'Repository',
        'Repository system dates.',
      ),
    }),
  },
  allOf: ['#/definitions/auditlog', '#/definitions/date-properties'],
  meta: { 'meta:abstract': true, 'meta:intendedToExtend': [] },
});

export const identityItem: XdmResource = resource({
  $id: IDENTITY_ITEM_ID,
  resourceType: 'datatypes',
  title: 'Identity item',
  description: 'An end user identity item, to be included in an instance of `context/identitymap`.',
  definitions: {
    identityitem: props({
      id: str('Identifier', 'Identity of the consumer in the related namespace.'),
      authenticatedState: {
        type: 'string',
        description: 'The state this identity is authenticated as for this observed ExperienceEvent.',
        default: 'ambiguous',
        enum: ['ambiguous', 'authenticated', 'loggedOut'],
        'meta:enum': labels([
          ['ambiguous', 'Ambiguous'],
          ['authenticated', 'Authenticated'],
          ['loggedOut', 'Logged out'],
        ]),
      },
      primary: bool('Primary', 'Indicates this identity is the preferred identity.', { default: false }),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/identityitem'],
  meta: { 'meta:extensible': true },
});

export const geoCoordinates: XdmResource = resource({
  $id: GEO_COORDINATES_ID,
  resourceType: 'datatypes',
  title: 'Geo Coordinates',
  description: 'The geographic coordinates of a place, after schema.org/GeoCoordinates.',
  definitions: {
    geocoordinates: props({
      _id: str('Coordinates ID', 'The unique identifier of the coordinates.', { format: 'uri-reference' }),
      _schema: obj(
        {
          description: str('Description', 'A description of what the coordinates identify.'),
          latitude: num('Latitude', 'The signed vertical coordinate of a geographic point.', { minimum: -90, maximum: 90 }),
          longitude: num('Longitude', 'The signed horizontal coordinate of a geographic point.', {
            minimum: -180,
            maximum: 180,
          }),
          elevation: num('Elevation', 'The elevation of the coordinate in meters (WGS84).'),
        },
        'Schema.org',
        'schema.org GeoCoordinates fields.',
      ),
    }),
  },
  allOf: ['#/definitions/geocoordinates'],
  meta: { 'meta:extensible': true },
});

export const geo: XdmResource = resource({
  $id: GEO_ID,
  resourceType: 'datatypes',
  title: 'Geo',
  description: 'The geographic related data where an event was observed.',
  definitions: {
    geo: props({
      countryCode: str('Country code', 'The ISO 3166-1 alpha-2 code for the country.', { pattern: '^[A-Z]{2}$' }),
      stateProvince: str('State or province', 'The ISO 3166-2 state or province of the observation.', {
        pattern: '([A-Z]{2}-[A-Z0-9]{1,3}|)',
      }),
      city: str('City', 'The name of the city.'),
      postalCode: str('Postal code', 'The postal code of the location.'),
      dmaID: int('Designated market area', 'The Nielsen media research designated market area.'),
      msaID: int('Metropolitan statistical area', 'The US metropolitan statistical area of the observation.'),
    }),
  },
  allOf: [GEO_COORDINATES_ID, '#/definitions/geo'],
  meta: { 'meta:extensible': true, 'meta:extends': [GEO_COORDINATES_ID] },
});

export const address: XdmResource = resource({
  $id: ADDRESS_ID,
  resourceType: 'datatypes',
  title: 'Postal address',
  description: "A postal address, such as a person's home or work address or a preferred store location.",
  definitions: {
    address: props({
      primary: bool('Primary', 'Primary address indicator; a profile has at most one primary address.'),
      label: str('Label', 'Free form name of the address.'),
      street1: str('Street 1', 'Primary street level information: apartment number, street number and name.'),
      street2: str('Street 2', 'Optional street information second line.'),
      street3: str('Street 3', 'Optional street information third line.'),
      street4: str('Street 4', 'Optional street information fourth line.'),
      region: str('Region', 'The region, county, or district portion of the address.'),
      postOfficeBox: str('Post office box', 'Post office box of the address.', { maxLength: 20 }),
      country: str('Country', 'The free-form name of the country, in any language.'),
      state: str('State', 'The free-form name of the state.'),
      status: str('Status', 'An indication as to the ability to use the address.', {
        default: 'active',
        'meta:enum': labels(STATUS_LABELS),
      }),
      statusReason,
      lastVerifiedDate: date('Last verified date', 'When the address was last verified as still associated to the person.'),
    }),
  },
  allOf: [GEO_COORDINATES_ID, GEO_ID, AUDITABLE_ID, '#/definitions/address'],
  meta: { 'meta:extends': [GEO_COORDINATES_ID, GEO_ID] },
});

export const emailAddress: XdmResource = resource({
  $id: EMAIL_ADDRESS_ID,
  resourceType: 'datatypes',
  title: 'Email address',
  description: 'A standard email address.',
  definitions: {
    emailaddress: props({
      primary: bool('Primary', 'Primary email indicator; a profile has at most one primary email address.'),
      address: str('Address', "The technical address, for example 'name@domain.com' (RFC 2822).", { format: 'email' }),
      label: str('Label', "Display information, such as the 'John Smith' in 'John Smith smithjr@company.uk'."),
      type: str('Type', "How the account relates to the person, for example 'work' or 'personal'.", {
        'meta:enum': labels([
          ['unknown', 'Unknown'],
          ['personal', 'Personal'],
          ['work', 'Work'],
          ['education', 'Education'],
        ]),
      }),
      status: str('Status', 'An indication as to the ability to use the email address.', {
        default: 'active',
        'meta:enum': labels(STATUS_LABELS),
      }),
      statusReason,
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/emailaddress'],
  meta: { 'meta:extensible': true },
});

export const phoneNumber: XdmResource = resource({
  $id: PHONE_NUMBER_ID,
  resourceType: 'datatypes',
  title: 'Phone number',
  description: 'Information that enables contacting a person by phone.',
  definitions: {
    phonenumber: props({
      primary: bool('Primary', 'Primary phone number indicator, one per communication channel.'),
      countryCode: str('Country Calling Code', 'Country calling code (CC) as defined by E.164.', {
        minLength: 1,
        maxLength: 3,
        pattern: '^[0-9]{1,3}?$',
      }),
      number: str('Number', "The phone number, which may include characters such as '()', '-' or 'x' extensions."),
      extension: str('Extension', 'The internal dialing number used to call from a private exchange.'),
      status: str('Status', 'An indication as to the ability to use the phone number.', {
        default: 'active',
        'meta:enum': labels(STATUS_LABELS.filter(([value]) => value !== 'pending_verification')),
      }),
      statusReason,
      validity: str('Validity', 'A level of technical correctness of the phone number.', {
        'meta:enum': labels([
          ['consistent', 'Consistent'],
          ['inconsistent', 'Inconsistent'],
          ['incomplete', 'Incomplete'],
          ['successfullyUsed', 'Successfully used'],
        ]),
      }),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/phonenumber'],
  meta: { 'meta:extensible': true },
});

export const personName: XdmResource = resource({
  $id: PERSON_NAME_ID,
  resourceType: 'datatypes',
  title: 'Person name',
  description: 'Full name of a person.',
  definitions: {
    personname: props({
      firstName: str('First name', 'The first segment of the name in its usual writing order (often the given name).'),
      lastName: str('Last name', 'The last segment of the name in its usual writing order (often the family name).'),
      middleName: str('Middle name', 'Names supplied between the first name and last name.'),
      courtesyTitle: str('Courtesy title', 'A title, honorific, or salutation such as Mr., Miss. or Dr.'),
      suffix: str('Suffix', 'Letters after the name, such as Jr., Sr., M.D. or PhD.'),
      fullName: str('Full name', 'The full name of the person, in its usual writing order.'),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/personname'],
  meta: { 'meta:extensible': true },
});

export const person: XdmResource = resource({
  $id: PERSON_ID,
  resourceType: 'datatypes',
  title: 'Person',
  description: 'An individual person, in roles such as customer, contact, or owner.',
  definitions: {
    person: props({
      name: ref(PERSON_NAME_ID, 'Full name', "The person's full name."),
      birthDate: date('Birth date(YYYY-MM-DD)', 'The full date a person was born.'),
      birthDayAndMonth: str('Birth date (MM-DD)', 'The day and month a person was born, when the year is unknown.', {
        pattern: '[0-1][0-9]-[0-9][0-9]',
      }),
      birthYear: int('Birth year', 'The year a person was born, including the century.', { minimum: 1, maximum: 32767 }),
      gender: str('Gender', 'Gender identity of the person.', {
        enum: ['male', 'female', 'not_specified', 'non_specific'],
        default: 'not_specified',
      }),
      maritalStatus: str('Marital Status', "A person's relationship with a significant other.", {
        enum: ['married', 'single', 'divorced', 'widowed', 'not_specified'],
        default: 'not_specified',
      }),
      nationality: str('Nationality', 'The ISO 3166-1 alpha-2 code of the state the person is a national of.', {
        pattern: '^[A-Z]{2}$',
      }),
      type: str('Type', 'The type of individual in business contexts like B2C.'),
      taxId: str('Tax ID', 'The tax or fiscal ID of the person (deprecated in XDM).'),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/person'],
  meta: { 'meta:extensible': true },
});
