/** Freshness probes: how soon after its acknowledgement one streamed event shows in its person's profile. */
import type { Setup } from '../http.bench.js';

/** The 99th percentile of a list (NaN when empty). */
export const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))] ?? NaN;

/**
 * While `running`, sends one page view for a new person every 100 ms and times, from its acknowledgement, until the
 * entities API (with `query` added) answers with an entity `reflected` accepts (polled every 5 ms).
 */
export async function freshnessProbe(s: Setup, running: () => boolean, query: string, reflected: (entity: Record<string, any>) => boolean): Promise<number[]> {
  const out: number[] = [];
  const schemaRef = { id: s.ids.eventSchema, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  for (let k = 0; running(); k++) {
    const ecid = `9${String(k).padStart(37, '0')}`;
    const entity = { _id: `probe-${k}-${Date.now()}`, timestamp: new Date().toISOString(), eventType: 'web.webpagedetails.pageViews', identityMap: { ECID: [{ id: ecid, primary: true }] }, web: { webPageDetails: { name: 'probe' } } };
    const res = await fetch(`${s.server.url}/collection/${s.ids.inletId}`, {
      method: 'POST',
      headers: { ...s.server.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ header: { schemaRef, imsOrgId: s.server.headers['x-gw-ims-org-id'], datasetId: s.ids.web, source: { name: 'probe' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } }),
    });
    if (res.status !== 200) throw new Error(`probe: ${res.status} ${await res.text()}`);
    const acked = performance.now();
    for (;;) {
      const r = await fetch(`${s.server.url}/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${ecid}&entityIdNS=ECID&${query}`, { headers: s.server.headers });
      const body = r.status === 200 ? ((await r.json()) as Record<string, { entity: Record<string, any> }>) : {};
      const found = Object.values(body)[0]?.entity;
      if (found && reflected(found)) break;
      if (performance.now() - acked > 30_000) throw new Error(`probe ${ecid}: not reflected within 30 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    out.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}
