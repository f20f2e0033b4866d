/**
 * Baseline of the HTTP rows: a bare `node:http` server that answers each request with one indexed
 * SELECT (a request by primary key) through a pg pool of the app's size, as JSON. No framework, no
 * authentication, no logging: the floor of "HTTP in, one Postgres round trip, JSON out" on this
 * machine.
 */
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const ids = (await pool.query<{ id: string }>(`SELECT id FROM requests WHERE status = 'open'`)).rows.map((r) => r.id);
if (ids.length === 0) throw new Error('no open requests to read');

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const id = ids[Math.floor(Math.random() * ids.length)]!;
  pool
    .query('SELECT id, title, category, status, response_deadline, response_count FROM requests WHERE id = $1', [id])
    .then((result) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result.rows[0]));
    })
    .catch((error: Error) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
    });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
