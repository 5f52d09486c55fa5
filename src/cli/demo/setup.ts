/** Creates the demo sandbox through the public API (schemas, datasets, merge policies); used by the demo and the benchmarks. */

const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';

/** The demo's merge policies, by name (the lookups' summaries show which one answered). */
export const DEFAULT_POLICY = 'Demo default: stitched, newest wins';
export const CRM_FIRST_POLICY = 'Demo: CRM first';

type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

/** One API call: JSON in, JSON out; throws on a 4xx/5xx. In-process (`inject`) or over HTTP (`fetch`). */
export type ApiCall = (headers: Headers, method: Method, url: string, payload?: unknown, extra?: Headers) => Promise<any>;

/** The ids the demo sandbox is made of. */
export interface DemoIds {
  tenant: string;
  crm: string;
  loyalty: string;
  web: string;
  commerce: string;
  precedence: string;
  /** The sandbox's default merge policy (pdg, timestampOrdered). */
  defaultPolicy: string;
}

/** Sandbox (reset when it exists), schemas through the Schema Registry, datasets, and two merge policies. */
export async function createDemoSandbox(api: ApiCall, base: Headers, sandbox: string): Promise<DemoIds> {
  const { 'x-sandbox-name': _, ...orgHeaders } = base;
  const sandboxes = '/data/foundation/sandbox-management/sandboxes';
  const exists = await api(orgHeaders, 'GET', sandboxes).then((list: { sandboxes: Array<{ name: string }> }) => list.sandboxes.some((s) => s.name === sandbox));
  if (exists) await api(orgHeaders, 'PUT', `${sandboxes}/${sandbox}`, { action: 'reset' });
  else await api(orgHeaders, 'POST', sandboxes, { name: sandbox, title: 'Real-time Customer Profile demo', type: 'development' });

  const reg = '/data/foundation/schemaregistry';
  const tenant = (await api(base, 'GET', `${reg}/stats`, undefined, { accept: 'application/json' })).tenantId as string;
  const fieldGroup = await api(base, 'POST', `${reg}/tenant/fieldgroups`, {
    type: 'object',
    title: 'Loyalty',
    description: 'Loyalty programme membership',
    'meta:intendedToExtend': [PROFILE],
    definitions: { loyalty: { properties: { [`_${tenant}`]: { type: 'object', properties: { loyalty: { type: 'object', properties: { tier: { type: 'string' }, points: { type: 'integer' } } } } } } } },
    allOf: [{ $ref: '#/definitions/loyalty' }],
  });
  const profileSchema = await api(base, 'POST', `${reg}/tenant/schemas`, {
    type: 'object',
    title: 'Demo customers',
    description: 'CRM and loyalty records',
    allOf: [
      { $ref: PROFILE },
      { $ref: 'https://ns.adobe.com/xdm/context/profile-person-details' },
      { $ref: 'https://ns.adobe.com/xdm/context/profile-personal-details' },
      { $ref: 'https://ns.adobe.com/xdm/context/identitymap' },
      { $ref: 'https://ns.adobe.com/xdm/common/external-source-system-audit-details' },
      { $ref: fieldGroup.$id },
    ],
  });
  const eventSchema = await api(base, 'POST', `${reg}/tenant/schemas`, {
    type: 'object',
    title: 'Demo events',
    description: 'Web and commerce events',
    allOf: [{ $ref: EVENT }, { $ref: 'https://ns.adobe.com/xdm/context/identitymap' }, { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-web' }, { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-commerce' }],
  });
  for (const s of [profileSchema, eventSchema]) {
    await api(base, 'PATCH', `${reg}/tenant/schemas/${encodeURIComponent(s.$id)}`, [{ op: 'add', path: '/meta:immutableTags', value: ['union'] }]);
  }
  const dataset = async (name: string, schemaId: string) =>
    ((await api(base, 'POST', '/data/foundation/catalog/dataSets', { name, schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } })) as string[])[0]!.replace('@/dataSets/', '');
  const ids = {
    tenant,
    crm: await dataset('CRM customers', profileSchema.$id),
    loyalty: await dataset('Loyalty members', profileSchema.$id),
    web: await dataset('Web events', eventSchema.$id),
    commerce: await dataset('Commerce events', eventSchema.$id),
  };
  const policy = (name: string, extra: Record<string, unknown>) =>
    api(base, 'POST', '/data/core/ups/config/mergePolicies', { name, schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, ...extra });
  const defaultPolicy = await policy(DEFAULT_POLICY, { default: true });
  const precedence = await policy(CRM_FIRST_POLICY, { attributeMerge: { type: 'dataSetPrecedence', order: [ids.crm, ids.loyalty] } });
  return { ...ids, precedence: precedence.id, defaultPolicy: defaultPolicy.id };
}
