/** Response schemas of the Identity Service routes: namespaces and the identity graph. */
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { open } from './problem.js';

/** An identity namespace. */
export const NamespaceObject = open({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  description: Type.String(),
  idType: Type.String(),
  custom: Type.Boolean(),
  createTime: Type.Number(),
  updateTime: Type.Number(),
  status: Type.String(),
});

const StringList = Type.Unsafe<readonly string[]>(Type.Array(Type.String()));

const Key = open({ ns: Type.String(), id: Type.String() });

/** One stored link between two identities. */
const Link = open({
  pair: Type.Array(Key),
  datasetId: Type.String(),
  batchId: Type.Union([Type.String(), Type.Null()]),
  firstEstablished: Type.Number(),
  lastEstablished: Type.Number(),
});

/** `{xid}` for an identity. */
export const XidAnswer = open({ xid: Type.String() });

/** Cluster members (v1), for one identity or many; members are XIDs or composite XIDs, as asked. */
export const ClusterMembers = open({
  version: Type.String(),
  clusters: Type.Array(open({ members: Type.Array(Type.Unknown()) })),
  unprocessedRecords: Type.Array(Type.Unknown()),
  algo_type: Type.String(),
});

/** The v2 graph: members, or vertices and edges; typed as a stream too, since the route streams it graph by graph. */
export const GraphAnswer = Type.Unsafe<Readable | Record<string, unknown>>(
  open({
    version: Type.String(),
    graphs: Type.Array(open({})),
    unprocessed_composite_xids: Type.Array(Type.Unknown()),
    algo_type: Type.String(),
  }),
);

/** The links an identity took part in. */
export const HistoryAnswer = open({ identity: Key, links: Type.Array(Link) });

/** Whether two identities share a graph, and the chain of links between them. */
export const ExplainAnswer = open({ from: Key, to: Key, sameGraph: Type.Boolean(), chain: Type.Array(Link) });

/** Guardrail settings, event counts and the latest events. */
export const GuardrailsAnswer = open({
  limits: open({ maxIdentitiesPerGraph: Type.Integer(), uniqueNamespaces: StringList, extraBlocklist: StringList }),
  counts: Type.Record(Type.String(), Type.Number()),
  recent: Type.Array(Type.Unknown()),
});
