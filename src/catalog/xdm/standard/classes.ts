/** The record and time-series behaviours and the two core classes: XDM Individual Profile and XDM ExperienceEvent. */
import type { XdmResource } from '../types.js';
import { EXTENSIBLE_CONTEXT, labels, props, resource, str } from './builders.js';

export const RECORD_ID = 'https://ns.adobe.com/xdm/data/record';
export const TIME_SERIES_ID = 'https://ns.adobe.com/xdm/data/time-series';
export const PROFILE_CLASS_ID = 'https://ns.adobe.com/xdm/context/profile';
export const EXPERIENCE_EVENT_CLASS_ID = 'https://ns.adobe.com/xdm/context/experienceevent';

const uriId = (description: string) => str('Identifier', description, { format: 'uri-reference' });

export const record: XdmResource = resource({
  $id: RECORD_ID,
  resourceType: 'behaviors',
  title: 'Record Schema',
  description: 'Used to indicate the behavior of record data semantic when composed into data schemas.',
  definitions: { record: props({ _id: uriId('A unique identifier for the record.') }) },
  allOf: ['#/definitions/record', EXTENSIBLE_CONTEXT],
  meta: { 'meta:extensible': true, 'meta:abstract': true },
});

/** Standard `eventType` values; the field stays an open (meta:) enum, so other values are accepted too. */
const EVENT_TYPES = [
  'advertising.completes', 'advertising.timePlayed', 'advertising.federated', 'advertising.clicks',
  'advertising.conversions', 'advertising.firstQuartiles', 'advertising.impressions', 'advertising.midpoints',
  'advertising.starts', 'advertising.thirdQuartiles', 'application.close', 'application.launch',
  'web.webpagedetails.pageViews', 'web.webinteraction.linkClicks', 'web.formFilledOut',
  'commerce.checkouts', 'commerce.productListAdds', 'commerce.productListOpens', 'commerce.productListRemovals',
  'commerce.productListReopens', 'commerce.productListViews', 'commerce.productViews', 'commerce.purchases',
  'commerce.saveForLaters', 'commerce.backofficeOrderPlaced', 'commerce.backofficeOrderCancelled',
  'commerce.backofficeOrderItemsShipped', 'commerce.backofficeCreditMemoIssued', 'commerce.backofficeShipmentCompleted',
  'decisioning.propositionDisplay', 'decisioning.propositionInteract', 'decisioning.propositionSend',
  'decisioning.propositionDismiss', 'decisioning.propositionTrigger', 'delivery.feedback', 'message.feedback',
  'message.tracking', 'message.renderingData', 'pushTracking.applicationOpened', 'pushTracking.customAction',
  'listOperation.removeFromList', 'listOperation.addToList', 'leadOperation.scoreChanged',
  'leadOperation.revenueStageChanged', 'leadOperation.statusInCampaignProgressionChanged',
  'leadOperation.interestingMoment', 'leadOperation.newLead', 'leadOperation.convertLead', 'leadOperation.callWebhook',
  'leadOperation.changeEngagementCampaignCadence', 'leadOperation.addToCampaign', 'leadOperation.changeCampaignStream',
  'leadOperation.mergeLeads', 'directMarketing.emailBounced', 'directMarketing.emailBouncedSoft',
  'directMarketing.emailDelivered', 'directMarketing.emailUnsubscribed', 'directMarketing.emailOpened',
  'directMarketing.emailClicked', 'directMarketing.emailSent', 'opportunityEvent.removeFromOpportunity',
  'opportunityEvent.addToOpportunity', 'opportunityEvent.opportunityUpdated', 'inappmessageTracking.dismiss',
  'inappmessageTracking.display', 'inappmessageTracking.interact', 'media.ping', 'media.sessionStart', 'media.play',
  'media.bufferStart', 'media.pauseStart', 'media.chapterStart', 'media.chapterSkip', 'media.chapterComplete',
  'media.adStart', 'media.adSkip', 'media.adComplete', 'media.adBreakStart', 'media.adBreakComplete',
  'media.bitrateChange', 'media.error', 'media.sessionComplete', 'media.sessionEnd', 'media.statesUpdate',
  'media.downloaded', 'media.customTracking', 'location.entry', 'location.exit',
];

/** Turns `commerce.productListAdds` into `Commerce Product List Adds` for the `meta:enum` display labels. */
function humanize(value: string): string {
  return value
    .split('.')
    .map((part) => part.replace(/([a-z])([A-Z])/g, '$1 $2'))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

export const timeSeries: XdmResource = resource({
  $id: TIME_SERIES_ID,
  resourceType: 'behaviors',
  title: 'Time-series Schema',
  description: 'Used to indicate the behavior of time partitioned semantics when composed into data schemas.',
  definitions: {
    'time-series': props({
      _id: uriId('A unique identifier for the time-series event.'),
      timestamp: str('Timestamp', 'The time when an event or observation occurred.', { format: 'date-time' }),
      eventType: str('Event Type', 'The primary event type for this time-series record.', {
        'meta:enum': labels(EVENT_TYPES.map((v) => [v, humanize(v)])),
      }),
    }),
  },
  allOf: ['#/definitions/time-series', EXTENSIBLE_CONTEXT],
  meta: { 'meta:extensible': true, 'meta:abstract': true },
});

export const profileClass: XdmResource = resource({
  $id: PROFILE_CLASS_ID,
  resourceType: 'classes',
  title: 'XDM Individual Profile',
  description:
    'A singular representation of the attributes and interests of both identified and partially-identified individuals.',
  definitions: {
    profile: props({ personID: str('Person ID', 'Unique identifier of Person/Profile fragment.') }),
  },
  allOf: [EXTENSIBLE_CONTEXT, 'https://ns.adobe.com/xdm/common/auditable', RECORD_ID, '#/definitions/profile'],
  meta: {
    'meta:extensible': true,
    'meta:abstract': true,
    'meta:extends': [RECORD_ID, 'https://ns.adobe.com/xdm/common/auditable'],
  },
});

export const experienceEventClass: XdmResource = resource({
  $id: EXPERIENCE_EVENT_CLASS_ID,
  resourceType: 'classes',
  title: 'XDM ExperienceEvent',
  description:
    'A fact record of what occurred, including the point in time and identity of the individual involved.',
  definitions: {
    experienceevent: props({
      eventMergeId: str(
        'ExperienceEvent merge ID',
        'An ID to correlate or merge several ExperienceEvents that are essentially the same event.',
      ),
      producedBy: str('Produced By', 'Who produced the event, used to filter out certain producers.', {
        default: 'self',
        'meta:enum': labels([
          ['self', 'Self'],
          ['system', 'System'],
          ['salesRef', 'Sales Representative'],
          ['customerRep', 'Customer Representative'],
        ]),
      }),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, 'https://ns.adobe.com/xdm/context/identitymap', TIME_SERIES_ID, '#/definitions/experienceevent'],
  meta: {
    'meta:extensible': true,
    'meta:abstract': true,
    'meta:extends': [TIME_SERIES_ID, 'https://ns.adobe.com/xdm/context/identitymap'],
    required: ['_id', 'timestamp'],
  },
});
