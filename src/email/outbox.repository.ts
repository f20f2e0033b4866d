import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Insertable, type QueryCreator } from 'kysely';
import type { Database, OutboxAttachment } from '../../db/types.ts';
import type { LaterTable, Queryable } from '../shared/db.ts';
import { cursorInstant } from '../shared/cursor.repository.ts';
import { runPrepared } from '../../db/database.ts';
import { sealLinks, type EmailLinks } from './sealed-links.ts';
import { outboxTransitions } from './outbox-status.ts';
import type { RenderedEmail } from './render.ts';
import { MAX_BATCH_EMAILS, updatesBatch } from './batches.ts';

export interface OutboxEmail {
  /** Unique per event and recipient: the same event never sends twice. */
  idempotencyKey: string;
  template: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  attachments?: OutboxAttachment[];
  /**
   * Links that act for the recipient, by the placeholder (`linkPlaceholder()`) that stands for each in
   * the text, the HTML and the headers: stored sealed, put into the message just before SMTP.
   */
  links?: EmailLinks;
  /** The links work once (sign-in): scrubbed when the email is sent or has failed; a resend needs new ones. */
  linksUntilSent?: boolean;
  /** The row's id, when the caller must refer to the row (a sign-in token names the email carrying it). */
  id?: string;
  /**
   * An email that may share one message with the person's others of its kind in the next few minutes
   * (`confirmationBatch()`, `meetingChangesBatch()` in batches.ts). Ignored for an email whose links
   * work once (sign-in).
   */
  batchKey?: string;
}

/** How the outbox writes: the message domain, the sealing secret, and the window confirmations wait in (0: none). */
export interface OutboxWriting {
  messageDomain: string;
  sealingSecret: string;
  batchSeconds: number;
}

/** Whether this email waits for others to join it. */
export function waitsForBatch(email: OutboxEmail, batchSeconds: number): boolean {
  return !!email.batchKey && batchSeconds > 0 && !email.linksUntilSent;
}

/**
 * The emails' texts as an array built from one parameter each (`ARRAY[$1, $2, ...]`), not as one
 * array parameter: pg writes an array parameter as a literal, escaping every quote and backslash of
 * each text, and Postgres parses that literal character by character. Probes on one connection,
 * alternating: 1,360 texts of 3 KB full of quotes in three columns, 265-305 ms a statement as array
 * literals against 73-82 ms as parameters (pg's escaping alone about 150 ms); a mass close's batch as
 * rendered (2,500 notes among 750 texts and 250 requesters' emails, 3.3 MB of text), median 68 ms
 * against 76 ms. A chunk has at most a few thousand texts, far from a statement's 65,535 parameters.
 */
function textArray(values: readonly string[]) {
  return values.length === 0 ? sql<string[]>`'{}'::text[]` : sql<string[]>`ARRAY[${sql.join(values)}]::text[]`;
}

function outboxRow(email: OutboxEmail, { messageDomain, sealingSecret, batchSeconds }: OutboxWriting) {
  const id = email.id ?? randomUUID();
  const links = email.links && Object.keys(email.links).length > 0 ? email.links : null;
  const batched = waitsForBatch(email, batchSeconds);
  return {
    id,
    idempotency_key: email.idempotencyKey,
    template: email.template,
    to_email: email.to,
    subject: email.subject,
    text_body: email.text,
    html_body: email.html,
    headers: JSON.stringify(email.headers ?? {}),
    attachments: JSON.stringify(email.attachments ?? []),
    message_id: `<${id}@${messageDomain}>`,
    sealed_links: links ? sealLinks(sealingSecret, { outboxId: id, to: email.to }, links) : null,
    sealed_links_until_sent: !!links && !!email.linksUntilSent,
    // Its send_after is the database's clock plus the window, set by the INSERT (`insertOutboxChunk`).
    batch_key: batched ? email.batchKey! : null,
  };
}

/** Writes an email to the outbox; returns its id, or null when this event was already queued. */
export async function insertOutboxEmail({ db }: Queryable, email: OutboxEmail, writing: OutboxWriting): Promise<string | null> {
  const [row] = await insertOutboxChunk(db, [email], writing);
  return row?.id ?? null;
}

/** Items taken (rendered) between two turns of the event loop: about 50-100 ms of a meeting's invitations. */
const TAKEN_BETWEEN_TURNS = 100;

/**
 * Takes `items` in chunks of `size` and writes each, one write in flight while the next chunk is taken:
 * a generator's items (emails rendered as they are taken) are made while Postgres writes the chunk
 * before, and only two chunks are in memory.
 */
async function inOverlappingChunks<T>(items: Iterable<T>, size: number, write: (chunk: T[]) => Promise<void>): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    // The event loop turns every TAKEN_BETWEEN_TURNS items: rendering that outruns the writes (an `await` of a write
    // already done does not turn it) would otherwise hold the process's thread from the first chunk to the last.
    if (chunk.length % TAKEN_BETWEEN_TURNS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (chunk.length < size) continue;
    await inFlight;
    inFlight = write(chunk);
    // Handled here so a failure while the next chunk is taken is not an unhandled rejection; the await above or below throws it.
    inFlight.catch(() => {});
    chunk = [];
  }
  await inFlight;
  if (chunk.length > 0) await write(chunk);
}

/** Rows per INSERT: the chunk that renders while the one before is written (the statement's parameters are one array per column, however many rows). */
const OUTBOX_INSERT_CHUNK = 1000;

/**
 * Writes many emails, a chunk per INSERT (`insertOutboxChunk`); returns the ids of those not already queued, apart those
 * that wait for their batch (`waitsForBatch`). The emails
 * may come from a generator that renders them as they are taken: one INSERT is in flight while the
 * next chunk renders, so rendering overlaps the database's work and only two chunks are in memory.
 */
export async function insertOutboxEmails({ db }: Queryable, emails: Iterable<OutboxEmail>, writing: OutboxWriting): Promise<{ ids: string[]; batchedIds: string[] }> {
  const ids: string[] = [];
  const batchedIds: string[] = [];
  const insert = async (chunk: OutboxEmail[]) => {
    for (const row of await insertOutboxChunk(db, chunk, writing)) (row.batch_key ? batchedIds : ids).push(row.id);
  };
  await inOverlappingChunks(emails, OUTBOX_INSERT_CHUNK, insert);
  return { ids, batchedIds };
}

/**
 * One chunk in one INSERT whose parameters are a column each (arrays unnested by Postgres): a short
 * statement to parse and plan, whatever the rows. Each distinct content (subject, text and HTML) goes
 * once, and each row names its own by position: the emails of one event are mostly the same text (a
 * request's responders all read one "request closed"). The contents are joined by position, not taken
 * by subscript: a subscript walks a text array from its start, so it cost a chunk of distinct emails
 * (a requester's each) time in the square of its rows. `qc` may carry WITH clauses (`writeAtCommit`).
 */
function outboxChunkInsert(qc: QueryCreator<Database>, chunk: OutboxEmail[], writing: OutboxWriting) {
  const rows = chunk.map((email) => outboxRow(email, writing));
  const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
  // Positions count from 1, as Postgres's arrays and WITH ORDINALITY do.
  const contents = new Map<string, Map<string, Map<string, number>>>();
  const subjects: string[] = [];
  const texts: string[] = [];
  const htmls: string[] = [];
  const content = rows.map(({ subject, text_body, html_body }) => {
    let bySubject = contents.get(subject);
    if (!bySubject) contents.set(subject, (bySubject = new Map()));
    let byText = bySubject.get(text_body);
    if (!byText) bySubject.set(text_body, (byText = new Map()));
    let position = byText.get(html_body);
    if (position === undefined) {
      byText.set(html_body, (position = subjects.push(subject)));
      texts.push(text_body);
      htmls.push(html_body);
    }
    return position;
  });
  return qc
    .insertInto('outbox')
    .columns(['id', 'idempotency_key', 'template', 'to_email', 'subject', 'text_body', 'html_body', 'headers', 'attachments', 'message_id', 'sealed_links', 'sealed_links_until_sent', 'batch_key', 'send_after'])
    .expression(
      sql`SELECT u.id, u.idempotency_key, u.template, u.to_email, c.subject, c.text_body, c.html_body, u.headers::jsonb, u.attachments::jsonb, u.message_id,
           u.sealed_links, u.sealed_links_until_sent, u.batch_key, CASE WHEN u.batch_key IS NOT NULL THEN now() + make_interval(secs => ${writing.batchSeconds}) END
    FROM unnest(${column('id')}::uuid[], ${column('idempotency_key')}::text[], ${column('template')}::text[], ${column('to_email')}::text[], ${content}::int[],
                ${column('headers')}::text[], ${column('attachments')}::text[], ${column('message_id')}::text[],
                ${column('sealed_links')}::text[], ${column('sealed_links_until_sent')}::boolean[], ${column('batch_key')}::text[])
      AS u(id, idempotency_key, template, to_email, content, headers, attachments, message_id, sealed_links, sealed_links_until_sent, batch_key)
    JOIN unnest(${textArray(subjects)}, ${textArray(texts)}, ${textArray(htmls)}) WITH ORDINALITY AS c(subject, text_body, html_body, position) ON c.position = u.content`,
    )
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning(['id', 'batch_key']);
}

/**
 * One email to the writer of each of many responses, the text chosen per response among a few (a
 * request's responders read one text per language): what a mass close and a matching run send most.
 * A statement carries each text once and four short arrays of a row each (the response, its request,
 * the writer's address, the text's position); Postgres makes each row's id, key and Message-ID. Such
 * an email has no links to seal, no headers, no attachments and no batch. The key is the prefix
 * followed by the response's id, or by its request's id and its own (`keyed`).
 */
export interface ResponderEmails {
  template: string;
  /** `${prefix}${responseId}`, or `${prefix}${requestId}:${responseId}` with 'request:response'. */
  key: { prefix: string; keyed: 'response' | 'request:response' };
  /**
   * Each response and its email. Rows of one text share one object, which goes once per statement. A
   * generator's rows are taken as they are written: render a request's texts when its rows come, and
   * only a chunk's texts are held.
   */
  rows: Iterable<ResponderEmailRow>;
  /**
   * Each row waits for the writer's other news of the next few minutes and goes with it in one email
   * (`updatesBatch(locale, to)`, batches.ts), when the outbox batches at all (`OutboxWriting.batchSeconds`).
   */
  batched?: boolean;
}

/** A response, its request, its writer's address and language, and the text of the email to them. */
export interface ResponderEmailRow {
  responseId: string;
  requestId: string;
  to: string;
  /** The writer's language: the one the email carrying a batch of them is written in. */
  locale: string;
  content: RenderedEmail;
}

/** Rows per INSERT of responder emails; the next chunk is rendered while one is written. */
const RESPONDER_INSERT_CHUNK = 2000;

/** Writes responder emails (`ResponderEmails`); returns the ids of the rows not already queued, those that wait for their batch apart. */
export async function insertResponderEmails({ db }: Queryable, emails: ResponderEmails, writing: Pick<OutboxWriting, 'messageDomain' | 'batchSeconds'>): Promise<{ ids: string[]; batchedIds: string[] }> {
  const ids: string[] = [];
  const batched = !!emails.batched && writing.batchSeconds > 0;
  const key = emails.key.keyed === 'request:response' ? sql`${emails.key.prefix} || r.request_id || ':' || r.response_id` : sql`${emails.key.prefix} || r.response_id`;
  const insert = async (chunk: ResponderEmailRow[]) => {
    // Each text once (by identity), and each row's position among them (from 1, as WITH ORDINALITY counts).
    const positions = new Map<RenderedEmail, number>();
    const contents: RenderedEmail[] = [];
    const position = chunk.map(({ content }) => {
      let p = positions.get(content);
      if (p === undefined) positions.set(content, (p = contents.push(content)));
      return p;
    });
    // The rows come addressed (the callers read the writers with the responses): looking each response
    // and its writer up here cost a third of the statement's time in a mass close (two index probes a
    // row). The texts are joined by position, not taken by subscript: a subscript walks a text array
    // from its start, so a chunk of 5,000 rows among 1,500 texts spent most of its time there.
    // Batched: the key of each writer's batch (its language and address), and a send time after the window.
    const batchColumns = batched ? sql`, batch_key, send_after` : sql``;
    const batchValues = batched ? sql`, r.batch_key, now() + make_interval(secs => ${writing.batchSeconds})` : sql``;
    const { rows } = await sql<{ id: string }>`
      INSERT INTO outbox (id, idempotency_key, template, to_email, subject, text_body, html_body, message_id${batchColumns})
      SELECT r.id, ${key}, ${emails.template}, r.to_email, x.subject, x.text_body, x.html_body, '<' || r.id || '@' || ${writing.messageDomain} || '>'${batchValues}
      FROM (
        SELECT gen_random_uuid() AS id, response_id, request_id, to_email, text, batch_key
        FROM unnest(${chunk.map((row) => row.responseId)}::uuid[], ${chunk.map((row) => row.requestId)}::uuid[], ${chunk.map((row) => row.to)}::text[], ${position}::int[], ${batched ? chunk.map((row) => updatesBatch(row.locale, row.to)) : []}::text[]) AS r(response_id, request_id, to_email, text, batch_key)
      ) r
      JOIN unnest(${textArray(contents.map((x) => x.subject))}, ${textArray(contents.map((x) => x.text))}, ${textArray(contents.map((x) => x.html))}) WITH ORDINALITY AS x(subject, text_body, html_body, position)
        ON x.position = r.text
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id`.execute(db);
    for (const row of rows) ids.push(row.id);
  };
  await inOverlappingChunks(emails.rows, RESPONDER_INSERT_CHUNK, insert);
  return batched ? { ids: [], batchedIds: ids } : { ids, batchedIds: [] };
}

async function insertOutboxChunk(db: Queryable['db'], chunk: OutboxEmail[], writing: OutboxWriting) {
  return outboxChunkInsert(db, chunk, writing).execute();
}

/** Rows of one table per INSERT at the commit: 1,000 audit rows are 8,000 parameters. */
const LATER_CHUNK = 1000;
/** At most this many rows of each table at the commit, the statement runs by name (`runPrepared`). */
const PREPARED_LATER_ROWS = 2;

/**
 * What a transaction kept for its commit, in one statement: the rows of each table
 * (`Queryable.insertLater`) as one multi-row INSERT, in order, in a WITH clause of the INSERT of its
 * emails (the first `OUTBOX_INSERT_CHUNK` of them; any more follow a chunk per statement). Returns the
 * emails' rows as `insertOutboxEmails` does.
 */
export async function writeAtCommit({ db }: Queryable, later: ReadonlyMap<LaterTable, Array<Insertable<Database[LaterTable]>>>, emails: OutboxEmail[], writing: OutboxWriting, options: { commitFollows?: boolean } = {}): Promise<{ ids: string[]; batchedIds: string[] }> {
  let qc: QueryCreator<Database> = db;
  for (const [table, all] of later) {
    // A multi-row VALUES keeps the rows' order, so their serial ids follow the order they were kept in.
    // Beyond a chunk (a statement takes at most 65,535 parameters) the first rows go ahead on their own.
    let rows = all;
    while (rows.length > LATER_CHUNK) {
      await db.insertInto(table).values(rows.slice(0, LATER_CHUNK) as never).execute();
      rows = rows.slice(LATER_CHUNK);
    }
    if (rows.length > 0) qc = qc.with(`later_${table}`, (q) => q.insertInto(table).values(rows as never)) as unknown as QueryCreator<Database>;
  }
  const ids: string[] = [];
  const batchedIds: string[] = [];
  const collect = (rows: Array<{ id: string; batch_key: string | null }>) => {
    for (const row of rows) (row.batch_key ? batchedIds : ids).push(row.id);
  };
  // A small change's statement (a row or two per table: a response, a sign-in, an edit) has one of a
  // few texts and runs often: by name. The emails' rows do not change the text (they go as arrays).
  const small = [...later.values()].every((rows) => rows.length <= PREPARED_LATER_ROWS);
  if (emails.length === 0) {
    if (qc !== db) {
      const done = qc.selectNoFrom(sql<number>`1`.as('done'));
      await (small ? runPrepared(db, done.compile(), options) : done.execute());
    }
    return { ids, batchedIds };
  }
  const first = outboxChunkInsert(qc, emails.slice(0, OUTBOX_INSERT_CHUNK), writing);
  collect(small ? (await runPrepared(db, first.compile(), { commitFollows: options.commitFollows === true && emails.length <= OUTBOX_INSERT_CHUNK })).rows : await first.execute());
  if (emails.length > OUTBOX_INSERT_CHUNK) {
    const rest = await insertOutboxEmails({ db }, emails.slice(OUTBOX_INSERT_CHUNK), writing);
    ids.push(...rest.ids);
    batchedIds.push(...rest.batchedIds);
  }
  return { ids, batchedIds };
}

const claimable = (leaseSeconds: number) => (eb: ExpressionBuilder<Database, 'outbox'>) =>
  eb.or([
    eb('status', '=', 'pending'),
    eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseSeconds})`)]),
  ]);

/**
 * Takes rows for sending, in one statement; a row stuck in `sending` longer than the lease is taken
 * again. A confirmation of a batch is not taken here (`claimOutboxBatch`).
 */
export async function claimOutboxEmails({ db }: Queryable, ids: string[], leaseSeconds: number) {
  if (ids.length === 0) return [];
  return db.updateTable('outbox').set({ status: 'sending', claimed_at: sql`now()`, attempts: sql`attempts + 1` }).where('id', 'in', ids).where('batch_key', 'is', null).where(claimable(leaseSeconds)).returningAll().execute();
}

/** Of these rows, those that belong to a confirmation batch, with their batch key. */
export async function findOutboxBatchKeys({ db }: Queryable, ids: string[]): Promise<Array<{ id: string; batch_key: string }>> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('outbox').select(['id', 'batch_key']).where('id', 'in', ids).where('batch_key', 'is not', null).execute();
  return rows.map((row) => ({ id: row.id, batch_key: row.batch_key! }));
}

/**
 * Takes a confirmation and the rest of its batch, in the caller's transaction: every other pending
 * confirmation to the same person (the batch key), due or not yet, oldest first. The person's batch
 * is locked first (an advisory lock for the transaction), so two jobs of one batch never split it or
 * wait on each other's rows. Nothing when the row is not due yet or another job took it.
 */
export async function claimOutboxBatch({ db }: Queryable, id: string, batchKey: string, leaseSeconds: number) {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`outbox-batch:${batchKey}`}))`.execute(db);
  const row = await db
    .updateTable('outbox')
    .set({ status: 'sending', claimed_at: sql`now()`, attempts: sql`attempts + 1` })
    .where('id', '=', id)
    .where(claimable(leaseSeconds))
    .where((eb) => eb.or([eb('send_after', 'is', null), eb('send_after', '<=', sql<Date>`now()`), eb('status', '=', 'sending')]))
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  // Each companion's links are sealed for its own row: the sender opens them one by one. Links that
  // work once (sign-in) never join a batch.
  // The oldest first, at most MAX_BATCH_EMAILS in one message; the rest wait for their own jobs, which take the next.
  const companions = await db
    .updateTable('outbox')
    .set({ status: 'sending', claimed_at: sql`now()`, attempts: sql`attempts + 1` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('outbox')
        .select('id')
        .where('batch_key', '=', batchKey)
        .where('id', '<>', id)
        .where('sealed_links_until_sent', '=', false)
        .where(claimable(leaseSeconds))
        .orderBy('created_at')
        .orderBy('id')
        .limit(MAX_BATCH_EMAILS - 1),
    )
    .where(claimable(leaseSeconds))
    .returning(['id', 'to_email', 'subject', 'text_body', 'html_body', 'attachments', 'created_at', 'sealed_links', 'sealed_links_until_sent'])
    .execute();
  return { row, companions };
}

// One-time links are gone once the email is sent or has failed: a backup taken later holds nothing to open.
const scrubOneTimeLinks = sql<string | null>`CASE WHEN sealed_links_until_sent THEN NULL ELSE sealed_links END`;

/**
 * Rows sent, each with the batch companions its email carried (`companions`: they point at it with
 * sent_with), in one statement, so a lost connection never leaves some marked and some not.
 */
export async function markOutboxSent({ db }: Queryable, sends: Array<{ id: string; companions: string[] }>): Promise<void> {
  const ids: string[] = [];
  const heads: Array<string | null> = [];
  for (const send of sends) {
    ids.push(send.id);
    heads.push(null);
    for (const companion of send.companions) {
      ids.push(companion);
      heads.push(send.id);
    }
  }
  if (ids.length === 0) return;
  await sql`
    UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, sealed_links = ${scrubOneTimeLinks}, sent_with = m.head
    FROM unnest(${ids}::uuid[], ${heads}::uuid[]) AS m(id, head)
    WHERE outbox.id = m.id AND outbox.status = 'sending'`.execute(db);
}

/** Back to pending, the row and its batch companions: the next attempt takes them together again. */
export async function markOutboxRetry({ db }: Queryable, ids: string[], error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'pending', last_error: error.slice(0, 2000) }).where('id', 'in', ids).where('status', '=', 'sending').execute();
}

export async function markOutboxFailed({ db }: Queryable, ids: string[], error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'failed', last_error: error.slice(0, 2000), sealed_links: scrubOneTimeLinks }).where('id', 'in', ids).execute();
}

/** Rows that no job is handling: pending for a while, or `sending` past their lease. */
export async function findStuckOutboxEmails({ db }: Queryable, olderThanSeconds: number, leaseSeconds: number, limit: number) {
  return db
    .selectFrom('outbox')
    .select(['id', 'attempts'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb(sql<Date>`coalesce(send_after, created_at)`, '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)]),
        eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseSeconds})`)]),
      ]),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** The organizers' view of the outbox, newest first, keyset-paginated by (created_at, id). */
export async function listOutboxRows({ db }: Queryable, status: string | undefined, q: string | undefined, after: { createdAt: string; id: string } | undefined, limit: number) {
  let query = db
    .selectFrom('outbox')
    .select(['id', 'template', 'to_email', 'subject', 'status', 'attempts', 'last_error', 'message_id', 'created_at', 'sent_at', 'sent_with'])
    .select(cursorInstant('created_at').as('cursor_at'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (status) query = query.where('status', '=', status as 'sent');
  if (q) query = query.where((eb) => eb.or([eb('to_email', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`), eb('subject', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`)]));
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  return query.execute();
}

/** One email as the secretariat reads it: what it said (its text part), to whom, and what became of it. */
export async function findOutboxEmail({ db }: Queryable, id: string) {
  return db
    .selectFrom('outbox')
    .select(['id', 'template', 'to_email', 'subject', 'text_body', 'status', 'attempts', 'last_error', 'created_at', 'sent_at', 'sent_with', 'batch_key', 'send_after'])
    .select(sql<string[]>`ARRAY(SELECT a->>'filename' FROM jsonb_array_elements(attachments) a)`.as('attachment_names'))
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Makes a sent or failed email pending again (same row, same Message-ID). */
export async function resetOutboxEmail({ db }: Queryable, id: string) {
  return db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, last_error: null, claimed_at: null })
    .where('id', '=', id)
    .where('status', 'in', outboxTransitions.resend.from)
    .returning(['id', 'template', 'to_email', 'sealed_links_until_sent'])
    .executeTakeFirst();
}

/** An email's status, or undefined when there is no such email (why a resend found nothing to reset). */
export async function findOutboxStatus({ db }: Queryable, id: string) {
  return db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirst();
}

/** New sealed links for an email whose one-time links were scrubbed (a resent sign-in email). */
export async function setOutboxSealedLinks({ db }: Queryable, id: string, sealedLinks: string): Promise<void> {
  await db.updateTable('outbox').set({ sealed_links: sealedLinks }).where('id', '=', id).execute();
}
