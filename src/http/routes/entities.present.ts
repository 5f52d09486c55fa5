/** How the entities API writes profiles and event pages; event pages are written as text around the stored JSON. */
import type { EventPage, ProfileAnswer, UnifiedProfile } from '../../profile/entities.service.js';
import { project } from '../../profile/fields.js';
import { viewEntityText } from '../../profile/unified.js';

let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 without milliseconds, as AEP's samples write `lastModifiedAt`; a page's events mostly share a second. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return lastText;
}

/** One profile entry of a GET or POST answer. */
export function presentProfile(p: UnifiedProfile, paths: string[][]) {
  return { entityId: p.xid, sources: p.sources, entity: project(p.entity, paths), lastModifiedAt: rfc3339(p.lastModifiedAt), mergePolicy: { id: p.policyId } };
}

/**
 * One profile entry as JSON text. A materialized row without a `fields` projection is spliced as stored (no parse, no
 * merge); with one, or for a read-time merge, the entry is built and serialised, which gives the same bytes.
 */
export function profileEntryJson(answer: ProfileAnswer, paths: string[][]): string {
  if (answer.kind === 'merged') {
    if (!answer.enrich) return JSON.stringify(presentProfile(answer.profile, paths));
    const entity = { ...answer.profile.entity };
    answer.enrich(entity);
    return JSON.stringify(presentProfile({ ...answer.profile, entity }, paths));
  }
  const { row, xid, policyId } = answer;
  if (paths.length > 0 || answer.enrich) {
    const entity = { ...(JSON.parse(row.entity) as Record<string, unknown>), identities: JSON.parse(row.identities) as unknown };
    answer.enrich?.(entity);
    return JSON.stringify(presentProfile({ xid, sources: JSON.parse(row.sources) as string[], entity, lastModifiedAt: row.modifiedAt, policyId }, paths));
  }
  const entity = viewEntityText(row.entity, row.identities);
  return `{"entityId":${JSON.stringify(xid)},"sources":${row.sources},"entity":${entity},"lastModifiedAt":"${rfc3339(row.modifiedAt)}","mergePolicy":{"id":${JSON.stringify(policyId)}}}`;
}

/** The documented entry for an identity with no data (POST). */
export function emptyProfile(xid: string) {
  return { entityId: xid, sources: [''], entity: {}, lastModifiedAt: '1970-01-01T00:00:00Z' };
}

/**
 * A page of events as JSON text: `_page`, `children` and `_links`. Without a `fields` projection each event's stored
 * JSON goes out as it was stored (it was written by JSON.stringify), which spares a parse and a serialisation per event.
 */
export function eventPageJson(page: EventPage, paths: string[][], descending: boolean, links: unknown): string {
  const xid = JSON.stringify(page.xid);
  const children = page.events.map((e) => {
    const entity = paths.length === 0 ? e.data : JSON.stringify(project(JSON.parse(e.data) as Record<string, unknown>, paths));
    return `{"relatedEntityId":${xid},"entityId":${JSON.stringify(e.event_id)},"timestamp":${Number(e.ts)},"entity":${entity},"lastModifiedAt":"${rfc3339(Number(e.ingested_at))}"}`;
  });
  const meta = { orderby: descending ? '-timestamp' : 'timestamp', start: page.events[0]?.event_id ?? '', count: page.events.length, next: page.next ?? '' };
  return `{"_page":${JSON.stringify(meta)},"children":[${children.join(',')}],"_links":${JSON.stringify(links)}}`;
}
