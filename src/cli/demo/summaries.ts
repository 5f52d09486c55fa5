/** Short readable summaries of the demo's lookup answers: who, which identities, which datasets, which policy won. */

type Json = Record<string, any>;

/** Names for the ids an answer carries (datasets, merge policies), so a summary never shows a bare id. */
export interface Names {
  readonly datasets: Readonly<Record<string, string>>;
  readonly policies: Readonly<Record<string, string>>;
}

const short = (id: string) => (id.length > 20 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id);
const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : '?');

/** A merged profile in three lines: the person, their identities, and where the answer came from. */
export function profileSummary(answer: Json, names: Names): string[] {
  const found = Object.values(answer)[0] as Json | undefined;
  if (!found) return ['→ no profile'];
  const e = found.entity as Json;
  const name = [e.person?.name?.firstName, e.person?.name?.lastName].filter(Boolean).join(' ') || '(no name)';
  const about = [e.person?.birthDate && `born ${e.person.birthDate}`, e.homeAddress?.city].filter(Boolean).join(', ');
  const custom = Object.entries(e).find(([k]) => k.startsWith('_'))?.[1] as Json | undefined;
  const loyalty = custom?.loyalty ? `: loyalty ${custom.loyalty.tier}, ${Number(custom.loyalty.points).toLocaleString('en-US')} points` : '';
  const identities = ((e.identities ?? []) as Json[]).map((i) => `${String(i.namespace?.code)} ${short(String(i.id))}`);
  const sources = ((found.sources ?? []) as string[]).map((d) => names.datasets[d] ?? d);
  const policy = names.policies[found.mergePolicy?.id] ?? found.mergePolicy?.id ?? 'none';
  return [
    `→ ${name}${about ? ` (${about})` : ''}${loyalty}`,
    `  identities: ${identities.join(' · ')}`,
    `  from: ${sources.join(', ')} · policy: ${policy}`,
  ];
}

/** A page of events in one line each: day, what happened, and the detail that matters for its type. */
export function eventsSummary(answer: Json): string[] {
  const children = (answer.children ?? []) as Json[];
  return [
    `→ ${children.length} events, newest first:`,
    ...children.map((c) => {
      const e = c.entity as Json;
      const what = e.commerce?.order
        ? `purchase ${e.commerce.order.priceTotal} ${e.commerce.order.currencyCode ?? ''}`.trim()
        : e.web?.webPageDetails
          ? `page view "${e.web.webPageDetails.name}"`
          : String(e.eventType ?? 'event');
      return `  ${day(e.timestamp)} ${what}`;
    }),
  ];
}

/** The chain of links that joins two identities, naming the dataset each link came from. */
export function explainSummary(answer: Json, names: Names): string[] {
  if (!answer.sameGraph) return ['→ not the same person: no chain of links joins them'];
  const links = (answer.chain ?? []) as Json[];
  return [
    `→ the same person, through ${links.length} link${links.length === 1 ? '' : 's'}:`,
    ...links.map((l) => {
      const [a, b] = l.pair as Json[];
      return `  ${a!.ns} ${short(String(a!.id))} ↔ ${b!.ns} ${short(String(b!.id))} (seen together in ${names.datasets[l.datasetId] ?? l.datasetId})`;
    }),
  ];
}
