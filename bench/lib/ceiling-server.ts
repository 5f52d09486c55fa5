/** The lookup ceiling: bare Fastify answering one SQLite row (or 100 rows) by key, with no auth, merge or graph. */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { join } from 'node:path';

// The parent owns `dir` and removes it once this process has exited, however it exited.
const { people, profile, event, dir } = JSON.parse(process.argv[2]!) as { people: number; profile: string; event: string; dir: string };
const db = new Database(join(dir, 'c.db'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE p (k TEXT PRIMARY KEY, data TEXT NOT NULL); CREATE TABLE e (k TEXT NOT NULL, i INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (k, i))');
const insertP = db.prepare('INSERT INTO p VALUES (?, ?)');
const insertE = db.prepare('INSERT INTO e VALUES (?, ?, ?)');
db.transaction(() => {
  for (let n = 1; n <= people; n++) {
    insertP.run(String(n), profile);
    for (let i = 0; i < 100; i++) insertE.run(String(n), i, event);
  }
})();
const getP = db.prepare('SELECT data FROM p WHERE k = ?');
const getE = db.prepare('SELECT data FROM e WHERE k = ? ORDER BY i LIMIT 100');
const app = Fastify();
app.get('/p/:n', async (request, reply) => {
  const row = getP.get((request.params as { n: string }).n) as { data: string } | undefined;
  return reply.type('application/json').send(row!.data);
});
app.get('/e/:n', async (request, reply) => {
  const rows = getE.all((request.params as { n: string }).n) as Array<{ data: string }>;
  return reply.type('application/json').send(`{"children":[${rows.map((r) => r.data).join(',')}]}`);
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);
process.once('SIGTERM', () =>
  void app.close().then(() => {
    db.close();
    process.exit(0);
  }),
);
