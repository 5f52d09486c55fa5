/** `rtprofile setup`: from nothing to a Profile-enabled dataset (schema, identity, union tag, dataset) through the API. */
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { type ApiClient, ApiError, type ClientOptions, connect, withClientOptions } from './client.js';

interface SetupOptions extends ClientOptions {
  profile?: boolean;
  events?: boolean;
  name: string;
  identityField?: string;
  namespace?: string;
}

const REG = '/data/foundation/schemaregistry';
const XED = 'application/vnd.adobe.xed+json';

/** The class and the standard field groups that hold the common fields of each kind of data. */
const KINDS = {
  profile: {
    classId: 'https://ns.adobe.com/xdm/context/profile',
    fieldGroups: [
      'https://ns.adobe.com/xdm/context/identitymap',
      'https://ns.adobe.com/xdm/context/profile-person-details',
      'https://ns.adobe.com/xdm/context/profile-personal-details',
      'https://ns.adobe.com/xdm/common/external-source-system-audit-details',
    ],
    holds: 'identityMap, person (name, birthDate), personalEmail, mobilePhone, homeAddress, extSourceSystemAudit',
  },
  events: {
    classId: 'https://ns.adobe.com/xdm/context/experienceevent',
    fieldGroups: ['https://ns.adobe.com/xdm/context/identitymap', 'https://ns.adobe.com/xdm/context/experienceevent-web', 'https://ns.adobe.com/xdm/context/experienceevent-commerce'],
    holds: '_id, timestamp, eventType, identityMap, web, commerce',
  },
} as const;

interface Schema {
  $id: string;
  title: string;
  'meta:class'?: string;
  'meta:immutableTags'?: string[];
}

/** Registers `setup`. */
export function registerSetupCommand(program: Command): void {
  withClientOptions(
    program
      .command('setup')
      .description('create (or reuse) a Profile-enabled schema and dataset named N on the running service, and print the dataset id')
      .option('--profile', 'records about people (XDM Individual Profile)')
      .option('--events', 'time-stamped events (XDM ExperienceEvent)')
      .requiredOption('--name <name>', 'schema and dataset name')
      .option('--identity-field <path>', 'field holding the primary identity, e.g. personalEmail.address')
      .option('--namespace <code>', 'identity namespace of that field, e.g. Email, CRMID, Phone, ECID'),
  ).action(async (options: SetupOptions) => {
    if (Boolean(options.profile) === Boolean(options.events)) throw new CliError('choose one of --profile (records about people) or --events (time-stamped events)', 2);
    if ((options.identityField === undefined) !== (options.namespace === undefined)) {
      throw new CliError('--identity-field and --namespace go together: the field holding the identity and its namespace, e.g. --identity-field personalEmail.address --namespace Email', 2);
    }
    const kind = KINDS[options.profile ? 'profile' : 'events'];
    const api = await connect(options);
    const say = (line: string) => process.stderr.write(line + '\n');
    if (api.sandbox !== undefined) await ensureSandbox(api, api.sandbox, say);
    const schema = await ensureSchema(api, options.name, kind, say);
    if (options.identityField !== undefined && options.namespace !== undefined) await ensureIdentity(api, schema, options.identityField, options.namespace, say);
    if (!(schema['meta:immutableTags'] ?? []).includes('union')) {
      await api.call('PATCH', `${REG}/tenant/schemas/${encodeURIComponent(schema.$id)}`, [{ op: 'add', path: '/meta:immutableTags', value: ['union'] }]);
      say('enabled the schema for Profile (union tag)');
    }
    const datasetId = await ensureDataset(api, options.name, schema.$id, say);
    await ensureMergePolicy(api, say);
    if (options.identityField === undefined) say('records must carry identityMap with one identity marked "primary": true (or rerun with --identity-field and --namespace)');
    say(`fields: ${kind.holds}${options.profile ? '' : ' (_id and timestamp are required)'}`);
    say(`next: npx rtprofile import FILE --dataset ${datasetId} --org ${api.org}${api.sandbox === undefined ? '' : ` --sandbox ${api.sandbox}`}`);
    process.stdout.write(datasetId + '\n');
  });
}

async function ensureSandbox(api: ApiClient, name: string, say: (line: string) => void): Promise<void> {
  const path = '/data/foundation/sandbox-management/sandboxes';
  const { sandboxes } = await api.call<{ sandboxes: Array<{ name: string }> }>('GET', path);
  if (sandboxes.some((s) => s.name === name)) return;
  await api.call('POST', path, { name, title: name, type: 'development' });
  say(`created sandbox ${name}`);
}

async function ensureSchema(api: ApiClient, title: string, kind: (typeof KINDS)[keyof typeof KINDS], say: (line: string) => void): Promise<Schema> {
  const listing = await api.call<{ results: Schema[] }>('GET', `${REG}/tenant/schemas?property=${encodeURIComponent(`title==${title}`)}`, undefined, { accept: XED });
  const found = listing.results.find((s) => s.title === title);
  if (found) {
    if (found['meta:class'] !== undefined && found['meta:class'] !== kind.classId) {
      throw new CliError(`schema '${title}' already exists with class ${found['meta:class']}: choose another --name`, 2);
    }
    say(`reusing schema '${title}' (${found.$id})`);
    return found;
  }
  const created = await api.call<Schema>('POST', `${REG}/tenant/schemas`, {
    type: 'object',
    title,
    description: `Created by rtprofile setup`,
    allOf: [{ $ref: kind.classId }, ...kind.fieldGroups.map(($ref) => ({ $ref }))],
  });
  say(`created schema '${title}' (${created.$id})`);
  return created;
}

async function ensureIdentity(api: ApiClient, schema: Schema, field: string, namespace: string, say: (line: string) => void): Promise<void> {
  const known = await api.call<Array<{ code: string }>>('GET', '/data/core/idnamespace/identities');
  const ns = known.find((n) => n.code.toLowerCase() === namespace.toLowerCase());
  if (!ns) throw new CliError(`namespace '${namespace}' does not exist; known: ${known.map((n) => n.code).join(', ')}`, 2);
  const sourceProperty = '/' + field.replace(/^\//, '').split(/[./]/).join('/');
  try {
    await api.call('POST', `${REG}/tenant/descriptors`, {
      '@type': 'xdm:descriptorIdentity',
      'xdm:sourceSchema': schema.$id,
      'xdm:sourceVersion': 1,
      'xdm:sourceProperty': sourceProperty,
      'xdm:namespace': ns.code,
      'xdm:property': 'xdm:code',
      'xdm:isPrimary': true,
    });
    say(`made ${sourceProperty} the primary identity (${ns.code})`);
  } catch (err) {
    // A rerun finds its own descriptor; another primary identity is kept rather than silently replaced.
    if (!(err instanceof ApiError) || (err.code !== 'REGISTRY_DESCRIPTOR_EXISTS' && err.code !== 'REGISTRY_PRIMARY_IDENTITY_EXISTS')) throw err;
    const { results } = await api.call<{ results: Array<Record<string, unknown>> }>('GET', `${REG}/tenant/descriptors`, undefined, { accept: 'application/vnd.adobe.xdm-v2+json' });
    const primary = results.find((d) => d['xdm:sourceSchema'] === schema.$id && d['xdm:isPrimary'] === true);
    if (primary?.['xdm:sourceProperty'] === sourceProperty) say(`${sourceProperty} is already the primary identity (${String(primary['xdm:namespace'])})`);
    else if (primary) say(`kept the schema's primary identity ${String(primary['xdm:sourceProperty'])} (${String(primary['xdm:namespace'])}); ${sourceProperty} was not changed`);
    else say(`${sourceProperty} is already an identity of the schema`);
  }
}

/** Without a default merge policy, lookups neither stitch identities nor merge datasets; a newcomer expects both. */
async function ensureMergePolicy(api: ApiClient, say: (line: string) => void): Promise<void> {
  const path = '/data/core/ups/config/mergePolicies';
  const existing = await api.call<{ _page: { totalCount: number } }>('GET', `${path}?default=true&schema.name=_xdm.context.profile`);
  if (existing._page.totalCount > 0) return;
  await api.call('POST', path, {
    name: 'Default: stitched, newest value wins',
    schema: { name: '_xdm.context.profile' },
    identityGraph: { type: 'pdg' },
    attributeMerge: { type: 'timestampOrdered' },
    default: true,
  });
  say('created the default merge policy: identities stitched, the newest value wins');
}

async function ensureDataset(api: ApiClient, name: string, schemaId: string, say: (line: string) => void): Promise<string> {
  const existing = await api.call<Record<string, { schemaRef?: { id?: string } }>>('GET', `/data/foundation/catalog/dataSets?name=${encodeURIComponent(name)}`);
  const same = Object.entries(existing).find(([, d]) => d.schemaRef?.id === schemaId);
  if (same) {
    say(`reusing dataset '${name}' (${same[0]})`);
    return same[0];
  }
  const created = await api.call<string[]>('POST', '/data/foundation/catalog/dataSets', {
    name,
    schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
    tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] },
  });
  const id = created[0]!.replace('@/dataSets/', '');
  say(`created Profile-enabled dataset '${name}' (${id})`);
  return id;
}
