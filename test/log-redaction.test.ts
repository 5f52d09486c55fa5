/** Logs without personal data: lookups by email, CRM id or XID leave no identity value in any log line, at info. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { REDACTED, redactUrl } from '../src/http/log-redaction.js';
import { fromXid } from '../src/identity/xid.js';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { PROFILE_SCHEMA_ID, envelope, ingestFixture, personRecord, type IngestFixture } from './support/fixtures.js';

const ORG = 'ACME@AdobeOrg';
const EMAIL = 'person42@example.com';
const CRM = 'crm-42';

describe('redactUrl', () => {
  it('keeps the path and parameter names of identity lookups, and only the values that name no one', () => {
    assert.equal(
      redactUrl(`/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(EMAIL)}&entityIdNS=Email&fields=person.name`),
      `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${REDACTED}&entityIdNS=Email&fields=person.name`,
    );
    assert.equal(redactUrl(`/data/core/identity/cluster/members?xid=abc&graph-type=pdg`), `/data/core/identity/cluster/members?xid=${REDACTED}&graph-type=pdg`);
    assert.equal(redactUrl(`/data/core/identity/${EMAIL}/members`), `/data/core/identity/${REDACTED}/members`);
    assert.equal(redactUrl('/data/core/ups/access/entities?property=personalEmail.address%3D%3Dx%40y.com'), `/data/core/ups/access/entities?property=${REDACTED}`);
  });

  it('leaves other URLs alone but for parameters that carry identities', () => {
    assert.equal(redactUrl('/data/foundation/catalog/dataSets?limit=10&start=2'), '/data/foundation/catalog/dataSets?limit=10&start=2');
    assert.equal(redactUrl('/data/foundation/catalog/dataSets'), '/data/foundation/catalog/dataSets');
    assert.equal(redactUrl(`/somewhere?entityId=${EMAIL}&a=1`), `/somewhere?entityId=${REDACTED}&a=1`);
  });
});

for (const kind of STORE_KINDS) {
  describe(`request logs of lookups (${kind})`, () => {
    const lines: string[] = [];
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind, {}, pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }));
      f = await ingestFixture(t, ORG);
      const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(42), ORG) });
      assert.equal(res.statusCode, 200, res.body);
    });
    after(() => t.close());

    it('name no email, CRM id or XID, while the lookups find the person', async () => {
      const email = encodeURIComponent(EMAIL);
      const xidOf = async (query: string) => (await t.app.inject({ url: `/data/core/identity/identity?${query}`, headers: f.headers })).json().xid as string;
      const xids = [await xidOf(`namespace=CRMID&id=${CRM}`), await xidOf(`namespace=Email&id=${email}`)];
      assert.deepEqual(xids.map((x) => fromXid(x)?.id), [CRM, EMAIL]);
      const [xid, emailXid] = xids as [string, string];
      const entities = '/data/core/ups/access/entities?schema.name=_xdm.context.profile';
      const lookups = [
        `${entities}&entityId=${CRM}&entityIdNS=CRMID`,
        `${entities}&entityId=${encodeURIComponent(xid)}`,
        `/data/core/identity/cluster/members?namespace=Email&id=${email}`,
        `/data/core/identity/cluster/members?xid=${encodeURIComponent(emailXid)}`,
        `/data/core/identity/identity?namespace=Email&id=${email}`,
        `/data/core/identity/explain?fromNamespace=Email&fromId=${email}&toNamespace=CRMID&toId=${CRM}`,
      ];
      lines.length = 0;
      for (const url of lookups) {
        const res = await t.app.inject({ url, headers: f.headers });
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        if (url.startsWith(entities)) assert.ok(res.body.includes(EMAIL), `${url} answers with the person's profile`);
      }
      assert.equal((await t.app.inject({ url: `/data/core/identity/${email}`, headers: f.headers })).statusCode, 404);

      const urls = lines.map((line) => JSON.parse(line) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'incoming request').map((l) => l.req!.url);
      assert.equal(urls.length, lookups.length + 1, 'every request was logged');
      assert.ok(urls[0]!.startsWith('/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=[redacted]&entityIdNS=CRMID'), urls[0]);
      const log = lines.join('');
      for (const secret of [EMAIL, email, 'person42', CRM, ...xids, ...xids.map(encodeURIComponent)]) {
        assert.ok(!log.includes(secret), `the log names ${secret}:\n${log}`);
      }
    });
  });
}
