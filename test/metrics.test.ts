/** Prometheus metrics: requests by route pattern and status class, records ingested and refused, jobs, store health. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture, personRecord } from './support/fixtures.js';
import { eventually } from './support/wait.js';

const ORG = 'METRICS@AdobeOrg';

/** The value of one series in the text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const kind of STORE_KINDS) {
  describe(`metrics (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let text: string;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      for (let i = 0; i < 2; i++) assert.equal((await t.app.inject({ url: '/data/core/idnamespace/identities', headers: f.headers })).statusCode, 200);
      assert.equal((await t.app.inject({ url: '/data/core/idnamespace/identities/6', headers: f.headers })).statusCode, 200);
      assert.equal((await t.app.inject({ url: '/data/core/idnamespace/identities/424242', headers: f.headers })).statusCode, 404);
      assert.equal((await t.app.inject({ url: '/no/such/route' })).statusCode, 404);
      // Streaming: one good message, then a batch of one good and two refused.
      const good = envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1), ORG);
      assert.equal((await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: good })).statusCode, 200);
      const bad = envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(2, { identityMap: { CRMID: [{ id: 'x', primary: true }] }, _acme: { points: 'many' } }), ORG);
      const unknownDataset = envelope('no-such-dataset', PROFILE_SCHEMA_ID, personRecord(3), ORG);
      const batch = await t.app.inject({ method: 'POST', url: `/collection/batch/${f.inletId}`, headers: f.headers, payload: { messages: [good, bad, unknownDataset] } });
      assert.equal(batch.statusCode, 207, batch.body);
      // A batch of two records, completed and left queued: the job gauge counts it.
      const created = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.profileDataset } });
      const batchId = created.json().id as string;
      const file = [personRecord(10), personRecord(11, { _acme: { points: 'not a number' } }), personRecord(12)].map((r) => JSON.stringify(r)).join('\n');
      const put = await t.app.inject({
        method: 'PUT',
        url: `/data/foundation/import/batches/${batchId}/datasets/${f.profileDataset}/files/people.json`,
        headers: { ...f.headers, 'content-type': 'application/octet-stream' },
        payload: file,
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batchId}?action=COMPLETE`, headers: f.headers })).statusCode, 200);
      const scrape = await t.app.inject({ url: '/metrics' });
      assert.equal(scrape.statusCode, 200);
      assert.match(String(scrape.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      text = scrape.body;
    });
    after(() => t.close());

    it('counts requests by method, registered route pattern and status class, never by raw URL', () => {
      assert.equal(sample(text, 'rtprofile_http_requests_total{method="GET",route="/data/core/idnamespace/identities",status_class="2xx"}'), 2);
      assert.equal(sample(text, 'rtprofile_http_requests_total{method="GET",route="/data/core/idnamespace/identities/:id",status_class="2xx"}'), 1);
      assert.equal(sample(text, 'rtprofile_http_requests_total{method="GET",route="/data/core/idnamespace/identities/:id",status_class="4xx"}'), 1);
      assert.equal(sample(text, 'rtprofile_http_requests_total{method="GET",route="(unmatched)",status_class="4xx"}'), 1);
      assert.equal(sample(text, 'rtprofile_http_requests_total{method="POST",route="/collection/:inletId",status_class="2xx"}'), 1);
      assert.doesNotMatch(text, /identities\/6"|no\/such\/route/);
    });

    it('times requests in a histogram with the same labels', () => {
      const labels = 'method="GET",route="/data/core/idnamespace/identities",status_class="2xx"';
      assert.equal(sample(text, `rtprofile_http_request_duration_seconds_count{${labels}}`), 2);
      assert.equal(sample(text, `rtprofile_http_request_duration_seconds_bucket{le="+Inf",${labels}}`), 2);
      assert.ok(sample(text, `rtprofile_http_request_duration_seconds_sum{${labels}}`)! > 0);
      const buckets = text.split('\n').filter((l) => l.startsWith('rtprofile_http_request_duration_seconds_bucket{') && l.includes(labels)).map((l) => Number(l.split(' ')[1]));
      assert.equal(buckets.length, 15, 'fourteen bounds and +Inf');
      assert.deepEqual([...buckets].sort((a, b) => a - b), buckets, 'bucket counts are cumulative');
    });

    it('counts streaming records accepted and refused; batch records once the job commits them', async () => {
      assert.equal(sample(text, 'rtprofile_records_ingested_total{source="streaming"}'), 2);
      assert.equal(sample(text, 'rtprofile_records_refused_total{source="streaming"}'), 2);
      assert.equal(sample(text, 'rtprofile_records_ingested_total{source="batch"}'), 0);
      await t.app.services.jobs.drain();
      const after = (await t.app.inject({ url: '/metrics' })).body;
      assert.equal(sample(after, 'rtprofile_records_ingested_total{source="batch"}'), 2);
      assert.equal(sample(after, 'rtprofile_records_refused_total{source="batch"}'), 1);
      assert.equal(sample(after, 'rtprofile_jobs{kind="batch-ingest",status="queued"}'), undefined);
    });

    it('reads queued jobs from the jobs table on scrape', () => {
      assert.equal(sample(text, 'rtprofile_jobs{kind="batch-ingest",status="queued"}'), 1);
    });

    it('reports the store dialect and that it is up', () => {
      assert.equal(sample(text, `rtprofile_store_info{dialect="${kind}"}`), 1);
      assert.equal(sample(text, 'rtprofile_store_up'), 1);
    });

    it('times how long the change feed took to apply each entry, by consumer and effect', async () => {
      // The writes above recorded entries (the fragments they stored); the consumer applies them now. On PostgreSQL
      // the feed reads below a cluster-wide horizon that another test's transaction may hold a moment.
      const applied = await eventually('the consumer applied the writes', async () => {
        await t.app.services.feed.drain();
        const n = sample((await t.app.inject({ url: '/metrics' })).body, 'rtprofile_change_feed_lag_seconds_count{consumer="profile-views",effect="none"}');
        return n !== undefined && n >= 2 ? n : undefined;
      }, 10_000);
      const scraped = (await t.app.inject({ url: '/metrics' })).body;
      const inf = sample(scraped, 'rtprofile_change_feed_lag_seconds_bucket{le="+Inf",consumer="profile-views",effect="none"}');
      assert.equal(inf, sample(scraped, 'rtprofile_change_feed_lag_seconds_count{consumer="profile-views",effect="none"}'));
      assert.ok(applied >= 2);
    });

    it('keeps each app on its own registry', async () => {
      const other = await startTestApp(kind);
      try {
        const fresh = (await other.app.inject({ url: '/metrics' })).body;
        assert.equal(sample(fresh, 'rtprofile_records_ingested_total{source="streaming"}'), 0);
        assert.equal(sample(fresh, 'rtprofile_http_requests_total{method="GET",route="/data/core/idnamespace/identities",status_class="2xx"}'), undefined);
      } finally {
        await other.close();
      }
    });

    // Last: it closes the store under the app.
    it('still answers a scrape when the store is down, with rtprofile_store_up 0', async () => {
      await t.store.db.close();
      const res = await t.app.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(sample(res.body, 'rtprofile_store_up'), 0);
      assert.equal(sample(res.body, `rtprofile_store_info{dialect="${kind}"}`), 1);
    });
  });
}
