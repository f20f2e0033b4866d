/**
 * Row 7: the matching run, end to end, in the app's own worker process: from the job's enqueue to
 * the run's commit (every meeting, status, audit row and email in the outbox), at the size of a
 * forum and at fifty times it; then a re-run after a decline at that size. Beside each, a floor
 * measured in the same run: the same rows (meetings, attendance, statuses, audit rows, outbox
 * emails), read back from what the run wrote and written again by plain set-based SQL from this
 * process in one transaction (multi-row INSERTs of 1,000 rows, as the app's outbox writes), into
 * empty copies of the tables with their indexes and constraints. The floor neither reads, solves
 * nor renders: the ratio is what the run adds to writing its result.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { RequestCategory } from '../db/types.ts';
import type { AppContext } from '../src/context.ts';
import { seededRandom } from '../src/matching/generate.ts';
import { jobDefinitions, jobId } from '../src/queue/registry.ts';
import { createPerson, createTestMarketplace } from '../tests/helpers/factories.ts';
import { Phase, type MemoryRecord, type RunSettings } from './phase.ts';
import { categories, countries, languages, ORGANIZER_EMAIL } from './seed.ts';
import { sleep } from './processes.ts';

export interface MatchingSize {
  name: string;
  governments: number;
  providers: number;
  requests: number;
  responsesPerRequest: number;
  rooms: number;
}

/** A forum (40 organizations, 60 requests, 200 responses, 4 rooms) and fifty times it. */
export const matchingSizes: Record<string, MatchingSize> = {
  forum: { name: 'forum', governments: 10, providers: 30, requests: 60, responsesPerRequest: 10 / 3, rooms: 4 },
  '50x': { name: '50x', governments: 500, providers: 1000, requests: 5000, responsesPerRequest: 5, rooms: 40 },
};

export interface MatchingRunFigures {
  size: string;
  requests: number;
  responses: number;
  offers: number;
  meetings: number;
  emails: number;
  /** Enqueue to commit, as this process saw it (polling every 20 ms). */
  seconds: number;
  /** Enqueue to the job's end: the send jobs of its emails queued too. */
  jobSeconds: number;
  /** started_at to finished_at of the run row (the database's clock): waiting, loading, solving, storing. */
  runSeconds: number;
  timings: Record<string, number>;
  method: string;
  gap: number | null;
  floorSeconds: number;
  rerun?: { seconds: number; jobSeconds: number; runSeconds: number; method: string; gap: number | null; changes: unknown; timings: Record<string, number> };
  workerPeakBytes: number;
}

const FLOOR_CHUNK = 1000;

/** A marketplace of this size whose requests closed an hour ago, with their responses submitted (bulk SQL, deterministic). */
export async function seedMatchingMarketplace(ctx: AppContext, size: MatchingSize, seedValue: number) {
  const db = ctx.db;
  const random = seededRandom(seedValue);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const pickSome = <T>(list: readonly T[], max: number) => [...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(list)))];
  const organizer = await createPerson(ctx, { email: ORGANIZER_EMAIL });
  // Three forum days, 09:00-18:00 in 30-minute meetings: 54 slots per room.
  const created = await createTestMarketplace(ctx, organizer, {
    slug: `bench-${size.name}`,
    name: `Benchmark ${size.name}`,
    rooms: Array.from({ length: size.rooms }, (_, i) => `Room ${i + 1}`),
    forumStartsAt: '2027-07-09',
    forumEndsAt: '2027-07-11',
    sideMeetingsFrom: '09:00',
    sideMeetingsUntil: '18:00',
    meetingMinutes: 30,
  });
  const marketplaceId = created.marketplace.id;

  const organizations = [
    ...Array.from({ length: size.governments }, (_, i) => ({ id: randomUUID(), name: `Ministry of Labour ${i}`, kind: 'government' as const, country: countries[i % countries.length]! })),
    ...Array.from({ length: size.providers }, (_, i) => ({ id: randomUUID(), name: `Provider ${i}`, kind: 'un_agency' as const, country: i % 3 === 0 ? pick(countries) : null })),
  ];
  const users = organizations.map((o, i) => ({ id: randomUUID(), email: `person-${i}@bench.example`, organization_id: o.id, membership: 'active' as const, locale: pick(['en', 'en', 'fr', 'es']) }));
  for (let i = 0; i < organizations.length; i += FLOOR_CHUNK) {
    await db
      .insertInto('organizations')
      .values(organizations.slice(i, i + FLOOR_CHUNK).map((o) => ({ ...o, status: 'verified' as const })))
      .execute();
    await db
      .insertInto('users')
      .values(users.slice(i, i + FLOOR_CHUNK))
      .execute();
  }
  const governments = users.slice(0, size.governments);
  const providers = users.slice(size.governments);

  const requests = Array.from({ length: size.requests }, (_, i) => {
    const requester = governments[i % governments.length]!;
    const category = pick(categories);
    return {
      id: randomUUID(),
      marketplace_id: marketplaceId,
      organization_id: requester.organization_id,
      created_by: requester.id,
      title: `${category.replace('_', ' ')} for ${pick(countries)} (${i})`,
      category,
      themes: pickSome(['1.2', '2.2', 'remittances', 'diaspora'], 2),
      description: `Request ${i}: our ministry asks for support, with a focus on the migrant workers of the regions most concerned.`,
      expected_outcome: 'Officials trained and a plan the ministry can carry on by itself.',
      countries: pickSome(countries, 3),
      languages: pickSome(languages, 2),
      max_matches: 3,
      own_deadline: sql<Date>`now() - interval '1 hour'`,
      response_deadline: sql<Date>`now() - interval '1 hour'`,
      status: 'closed' as const,
      published_at: sql<Date>`now() - interval '10 days'`,
      closed_at: sql<Date>`now() - interval '1 hour'`,
      response_count: 0,
    };
  });
  for (let i = 0; i < requests.length; i += FLOOR_CHUNK) await db.insertInto('requests').values(requests.slice(i, i + FLOOR_CHUNK)).execute();

  const total = Math.round(size.requests * size.responsesPerRequest);
  const responses = Array.from({ length: total }, (_, k) => {
    const j = k % size.requests;
    const provider = providers[(j * 7 + Math.floor(k / size.requests)) % providers.length]!;
    return {
      request_id: requests[j]!.id,
      organization_id: provider.organization_id,
      created_by: provider.id,
      summary: `Offer ${k}: a training of trainers`,
      details: 'We run our curriculum with the ministry and hand over the material.',
      offer_categories: pickSome(categories, 2) as RequestCategory[],
      modality: pick(['in_person', 'remote', 'either'] as const),
      languages: pickSome(languages, 2),
      funding: pick(['provider_covers', 'shared', 'needs_funding'] as const),
      status: 'submitted' as const,
      submitted_at: sql<Date>`now() - interval '2 days'`,
    };
  });
  // One response per (request, provider).
  const unique = [...new Map(responses.map((r) => [`${r.request_id}|${r.organization_id}`, r])).values()];
  for (let i = 0; i < unique.length; i += FLOOR_CHUNK) await db.insertInto('responses').values(unique.slice(i, i + FLOOR_CHUNK)).execute();
  await sql`ANALYZE`.execute(db);
  return { marketplaceId, requests: requests.length, responses: unique.length };
}

async function waitForRun(phase: Phase, marketplaceId: string, after: Date, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await phase.ctx.db
      .selectFrom('matching_runs')
      .selectAll()
      .where('marketplace_id', '=', marketplaceId)
      .where('started_at', '>=', after)
      .where('status', '!=', 'running')
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    if (run) {
      if (run.status === 'failed') throw new Error(`matching run failed: ${run.error}`);
      return run;
    }
    if (Date.now() > deadline) throw new Error(`matching run not done within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * The floor: the rows the run wrote, read back here, written again in one transaction by multi-row
 * INSERTs (and the status UPDATEs) into empty copies of the tables (LIKE ... INCLUDING ALL: indexes,
 * exclusion constraints, defaults).
 */
async function measureFloor(phase: Phase, runId: string, since: Date): Promise<number> {
  const db = phase.ctx.db;
  const tables = ['meetings', 'meeting_attendance', 'audit_events', 'outbox'] as const;
  for (const t of tables) await sql`CREATE TABLE ${sql.raw(`floor_${t}`)} (LIKE ${sql.raw(t)} INCLUDING ALL)`.execute(db);
  const rows = {
    meetings: (await sql<Record<string, unknown>>`SELECT * FROM meetings WHERE run_id = ${runId}`.execute(db)).rows,
    meeting_attendance: (await sql<Record<string, unknown>>`SELECT a.* FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id WHERE m.run_id = ${runId}`.execute(db)).rows,
    audit_events: (await sql<Record<string, unknown>>`SELECT * FROM audit_events WHERE at >= ${since}`.execute(db)).rows,
    outbox: (await sql<Record<string, unknown>>`SELECT * FROM outbox WHERE created_at >= ${since}`.execute(db)).rows,
  };
  const statuses = (await sql<{ id: string; status: string }>`SELECT id, status FROM responses WHERE status IN ('matched', 'not_matched')`.execute(db)).rows;
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (const t of tables) {
      const list = rows[t];
      for (let i = 0; i < list.length; i += FLOOR_CHUNK) {
        await sql`INSERT INTO ${sql.raw(`floor_${t}`)} SELECT * FROM json_populate_recordset(NULL::${sql.raw(`floor_${t}`)}, ${JSON.stringify(list.slice(i, i + FLOOR_CHUNK))}::json)`.execute(trx);
      }
    }
    await sql`UPDATE responses s SET status = v.status, updated_at = now() FROM unnest(${statuses.map((s) => s.id)}::uuid[], ${statuses.map((s) => s.status)}::text[]) AS v(id, status) WHERE s.id = v.id`.execute(trx);
    await sql`UPDATE requests SET status = 'matched', updated_at = now() WHERE status = 'matched'`.execute(trx);
  });
  return (performance.now() - started) / 1000;
}

export async function measureMatchingRun(settings: RunSettings, memory: MemoryRecord[], size: MatchingSize, log: (line: string) => void): Promise<MatchingRunFigures> {
  // Emails are not the subject here: the worker sends slowly, so the sends do not compete with the figures.
  const phase = await Phase.open(`match${size.name.replace(/[^a-z0-9]/g, '')}`, settings, memory, { EMAIL_RATE_PER_SECOND: '1' });
  try {
    log(`matching ${size.name}: seeding`);
    const seeded = await seedMatchingMarketplace(phase.ctx, size, 20070710);
    log(`matching ${size.name}: ${seeded.requests} requests, ${seeded.responses} responses; starting the worker`);
    const worker = await phase.startWorker();
    await sleep(1000);

    const runOnce = async (trigger: 'organizer' | 'decline') => {
      const before = await phase.databaseNow();
      const started = performance.now();
      const id = jobId('matching', seeded.marketplaceId, trigger, Date.now());
      await phase.ctx.queues.enqueue('run-matching', { marketplaceId: seeded.marketplaceId, trigger }, { jobId: id });
      const run = await waitForRun(phase, seeded.marketplaceId, before, 600_000);
      const seconds = (performance.now() - started) / 1000;
      // The job ends once the send jobs of its emails are queued (after the commit): the next step waits for that.
      const job = await phase.ctx.queues.queue(jobDefinitions['run-matching'].queue).getJob(id);
      const deadline = Date.now() + 120_000;
      while (job && !(await job.isCompleted()) && Date.now() < deadline) await sleep(50);
      const jobSeconds = (performance.now() - started) / 1000;
      const stats = (run.stats ?? {}) as { offers?: number; gap?: number; timings?: Record<string, number> };
      return { run, seconds, jobSeconds, runSeconds: (run.finished_at!.getTime() - run.started_at.getTime()) / 1000, stats, since: before };
    };

    const first = await runOnce('organizer');
    const meetings = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM meetings WHERE run_id = ${first.run.id}`.execute(phase.ctx.db)).rows[0]!.n);
    const emails = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM outbox WHERE created_at >= ${first.since}`.execute(phase.ctx.db)).rows[0]!.n);
    log(`matching ${size.name}: run ${first.seconds.toFixed(2)} s (${first.run.method}), ${meetings} meetings, ${emails} emails`);

    // A party declines one meeting (as answerMeeting does), and the decline's re-run follows. The meeting
    // is chosen by what the seed decides (its request's title, its provider's name), not by its random
    // id, so that runs decline the same meeting wherever their schedules agree.
    const declined = await sql<{ id: string; title: string; provider: string }>`
      WITH one AS (
        SELECT m.id, r.title, o.name AS provider FROM meetings m JOIN requests r ON r.id = m.request_id JOIN organizations o ON o.id = m.provider_org_id
        WHERE m.run_id = ${first.run.id} ORDER BY r.title, o.name, m.starts_at LIMIT 1
      ),
      d AS (UPDATE meetings m SET status = 'declined', provider_answer = 'declined', sequence = sequence + 1 FROM one WHERE m.id = one.id RETURNING m.id)
      UPDATE meeting_attendance a SET active = false FROM d JOIN one ON one.id = d.id WHERE a.meeting_id = d.id RETURNING d.id, one.title, one.provider`.execute(phase.ctx.db);
    if (declined.rows.length === 0) throw new Error('no meeting to decline');
    log(`matching ${size.name}: ${declined.rows[0]!.provider} declines its meeting about "${declined.rows[0]!.title}"`);
    const rerun = await runOnce('decline');
    log(`matching ${size.name}: decline re-run ${rerun.seconds.toFixed(2)} s (${rerun.run.method})`);
    const workerPeakBytes = await phase.stop(worker, `matching-${size.name}`, 'app-worker');

    const floorSeconds = await measureFloor(phase, first.run.id, first.since);
    log(`matching ${size.name}: floor ${floorSeconds.toFixed(2)} s`);
    return {
      size: size.name,
      requests: seeded.requests,
      responses: seeded.responses,
      offers: first.stats.offers ?? 0,
      meetings,
      emails,
      seconds: first.seconds,
      jobSeconds: first.jobSeconds,
      runSeconds: first.runSeconds,
      timings: first.stats.timings ?? {},
      method: first.run.method ?? 'none',
      gap: first.stats.gap ?? null,
      floorSeconds,
      rerun: { seconds: rerun.seconds, jobSeconds: rerun.jobSeconds, runSeconds: rerun.runSeconds, method: rerun.run.method ?? 'none', gap: rerun.stats.gap ?? null, changes: rerun.run.changes, timings: rerun.stats.timings ?? {} },
      workerPeakBytes,
    };
  } finally {
    await phase.close();
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (n: number) => `${n.toFixed(2)} s`;
const stages = (t: Record<string, number>) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

/** The table rows of row 7: the run and its floor, the decline re-run, the worker's peak memory. */
export function matchingRows(figures: MatchingRunFigures[]) {
  const targets: Record<string, { run: number; rerun?: number; rssMb?: number }> = { forum: { run: 2 }, '50x': { run: 10, rerun: 3, rssMb: 300 } };
  return figures.flatMap((f, i) => {
    const target = targets[f.size] ?? { run: Infinity };
    const letter = (k: number) => `7${String.fromCharCode(97 + i * 3 + k)}`;
    const ratio = f.seconds / f.floorSeconds;
    const rows = [
      {
        row: letter(0),
        measure: `matching run, ${f.size}: ${int(f.requests)} requests, ${int(f.responses)} responses, ${int(f.offers)} offers → ${int(f.meetings)} meetings, ${int(f.emails)} emails in the outbox; enqueue to commit in the worker (stages: ${stages(f.timings)})`,
        figure: `${secs(f.seconds)} (run row ${secs(f.runSeconds)}; job with its send jobs queued ${secs(f.jobSeconds)}; ${f.method}${f.gap !== null ? `, gap ${(f.gap * 100).toFixed(3)}%` : ''})`,
        baseline: `floor, the same rows by set-based SQL from one client: ${secs(f.floorSeconds)}`,
        ratio: `${ratio.toFixed(1)}×`,
        target: `< ${target.run} s${f.size === '50x' ? ', ≤ 1.5× floor' : ''}`,
        standing: f.seconds < target.run && (f.size !== '50x' || ratio <= 1.5) ? 'meets' : 'misses',
      },
    ];
    if (f.rerun) {
      rows.push({
        row: letter(1),
        measure: `decline re-run, ${f.size}: one meeting declined, the run keeps the others (${JSON.stringify(f.rerun.changes)}; stages: ${stages(f.rerun.timings)})`,
        figure: `${secs(f.rerun.seconds)} (run row ${secs(f.rerun.runSeconds)}; job ${secs(f.rerun.jobSeconds)}; ${f.rerun.method}${f.rerun.gap !== null ? `, gap ${(f.rerun.gap * 100).toFixed(3)}%` : ''})`,
        baseline: '–',
        ratio: '–',
        target: target.rerun ? `< ${target.rerun} s` : '–',
        standing: target.rerun ? (f.rerun.seconds < target.rerun ? 'meets' : 'misses') : 'reported',
      });
    }
    rows.push({
      row: letter(2),
      measure: `peak RSS, worker process during the ${f.size} runs`,
      figure: `${int(f.workerPeakBytes / 1024 / 1024)} MB`,
      baseline: '–',
      ratio: '–',
      target: target.rssMb ? `< ${target.rssMb} MB` : '–',
      standing: target.rssMb ? (f.workerPeakBytes / 1024 / 1024 < target.rssMb ? 'meets' : 'misses') : 'reported',
    });
    return rows;
  });
}
