/**
 * Baselines of the HTTP rows, a bare `node:http` server with a pg pool of the app's size. No framework,
 * no authentication, no validation, no logging, no audit row, no email:
 * - GET (any path): one indexed SELECT (a request by primary key), as JSON: the floor of "HTTP in, one
 *   Postgres round trip, JSON out" on this machine (row 1a).
 * - POST /requests/:id/responses: the transaction at the heart of the app's respond (row 1b): lock the
 *   request, insert the response only if the deadline is ahead by the database's clock, count it, commit;
 *   201 with the new id. The provider comes from the x-user and x-organization headers.
 */
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const ids = (await pool.query<{ id: string }>(`SELECT id FROM requests WHERE status = 'open'`)).rows.map((r) => r.id);
if (ids.length === 0) throw new Error('no open requests to read');

async function respond(requestId: string, user: string, organization: string, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query('SELECT id FROM requests WHERE id = $1 FOR UPDATE', [requestId]);
    if (locked.rowCount === 0) {
      await client.query('ROLLBACK');
      return { status: 404, body: { error: 'no such request' } };
    }
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO responses (request_id, organization_id, created_by, summary, details, offer_categories, modality, languages, funding, status, submitted_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', now() FROM requests WHERE id = $1 AND response_deadline > now()
       RETURNING id`,
      [requestId, organization, user, body.summary, body.details, body.offerCategories, body.modality, body.languages, body.funding],
    );
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      return { status: 409, body: { error: 'deadline passed' } };
    }
    const counted = await client.query<{ response_count: number }>('UPDATE requests SET response_count = response_count + 1 WHERE id = $1 RETURNING response_count', [requestId]);
    await client.query('COMMIT');
    return { status: 201, body: { id: inserted.rows[0]!.id, responseCount: counted.rows[0]!.response_count } };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const responding = req.method === 'POST' ? /^\/requests\/([0-9a-f-]{36})\/responses$/.exec(req.url ?? '') : null;
  if (responding) {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      respond(responding[1]!, String(req.headers['x-user']), String(req.headers['x-organization']), JSON.parse(text) as Record<string, unknown>)
        .then((answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body)))
        .catch((error: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })));
    });
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
