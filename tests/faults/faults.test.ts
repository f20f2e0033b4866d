import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { FaultRig, restartPostgres, restartRedis, startRedis, waitFor } from './harness.ts';
import { apiClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, sampleRequest, sampleResponse, type TestPerson } from '../helpers/factories.ts';

/**
 * The night of the deadline, with things breaking: real web and worker processes, steady traffic of
 * responses while requests close, the matching run, thousands of emails; one fault per scenario.
 * At the end, from the database and the SMTP sink: requests closed (expected, actual, twice), meetings
 * double-booked, emails lost or duplicated, and throughput after recovery against before.
 */
const REQUESTS = 30;
const PROVIDERS = 8;
const DEADLINE_IN_MS = 16_000;

interface Row {
  scenario: string;
  closedExpected: number;
  closedActual: number;
  closedTwice: number;
  doubleBooked: number;
  meetings: number;
  emails: number;
  lost: number;
  duplicated: number;
  failedPermanently: number;
  responses201: number;
  responses503: number;
  responses5xxOther: number;
  recoverySeconds: number;
  throughputRatio: string;
}
const rows: Row[] = [];

type Fault = { at: number; action: (rig: FaultRig) => Promise<void> | void }[];

async function runScenario(name: string, faults: Fault, options: { duplicatesExpected?: boolean } = {}): Promise<Row> {
  const rig = new FaultRig();
  await rig.start();
  try {
    const api = apiClient(rig.baseUrl);
    const organizer = await createPerson(rig.ctx, { email: 'secretariat@gfmd.test' });
    const governments: TestPerson[] = [];
    for (let i = 0; i < 6; i++) governments.push(await createPerson(rig.ctx, { email: `gov${i}@gov.example`, organization: { name: `Ministry ${i}`, kind: 'government', country: 'BD' } }));
    const providers: TestPerson[] = [];
    for (let i = 0; i < PROVIDERS; i++) providers.push(await createPerson(rig.ctx, { email: `p${i}@provider.example`, organization: { name: `Provider ${i}`, kind: 'ngo' } }));
    const { rows: nowRows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(rig.ctx.db);
    const start = nowRows[0]!.now.getTime();
    const deadline = start + DEADLINE_IN_MS;
    await createTestMarketplace(rig.ctx, organizer, {
      responseDeadline: new Date(deadline).toISOString(),
      rooms: ['Room A', 'Room B', 'Room C'],
      forumStartsAt: '2027-07-10',
      forumEndsAt: '2027-07-10',
    });
    const requestIds: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const own = new Date(deadline - 10_000 + Math.floor((i * 10_000) / REQUESTS)).toISOString();
      const created = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: governments[i % governments.length]!.token, body: { ...sampleRequest, title: `Request number ${i}`, maxMatches: 2, responseDeadline: own } });
      await api('POST', `/api/v1/requests/${created.body.id}/publish`, { token: organizer.token });
      requestIds.push(created.body.id);
    }

    // Steady traffic: providers respond until the last deadline.
    const statuses: number[] = [];
    const pending = new Set<string>();
    for (const r of requestIds) for (const p of providers) pending.add(`${r}|${p.id}`);
    const byId = new Map(providers.map((p) => [p.id, p]));
    const traffic = (async () => {
      while (Date.now() < deadline + 1500 && pending.size) {
        const pick = [...pending][Math.floor(Math.random() * pending.size)]!;
        pending.delete(pick);
        const [requestId, providerId] = pick.split('|') as [string, string];
        const response = await api('POST', `/api/v1/requests/${requestId}/responses`, { token: byId.get(providerId)!.token, body: sampleResponse }).catch(() => ({ status: 599 }));
        statuses.push(response.status);
        await new Promise((r) => setTimeout(r, 40));
      }
    })();

    // The faults, at their times relative to the deadline.
    let faultStart = 0;
    let faultEnd = 0;
    for (const fault of faults.sort((a, b) => a.at - b.at)) {
      const wait = deadline + fault.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      faultStart ||= Date.now();
      await fault.action(rig);
      faultEnd = Date.now();
    }
    await traffic;

    // Settle: everything closed, a matching run done, and the outbox empty.
    await waitFor(
      async () => {
        const open = await rig.ctx.db.selectFrom('requests').select('id').where('status', '=', 'open').execute();
        const run = await rig.ctx.db.selectFrom('matching_runs').select('id').where('status', '=', 'done').execute();
        const unsent = await rig.ctx.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute();
        return open.length === 0 && run.length > 0 && unsent.length === 0;
      },
      Number(process.env.FAULT_SETTLE_MS ?? 120_000),
      `${name} to settle`,
    ).catch((error: Error) => rig.log.push(`settle: ${error.message}`));
    await new Promise((r) => setTimeout(r, 1500));

    const closed = await rig.ctx.db.selectFrom('requests').select('id').where('status', 'in', ['closed', 'matched']).execute();
    const twice = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT entity_id FROM audit_events WHERE entity = 'request' AND action = 'close' GROUP BY entity_id HAVING count(*) > 1) t`.execute(rig.ctx.db);
    const doubleBooked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM meetings a JOIN meetings b ON a.id < b.id
      AND a.status IN ('proposed','confirmed') AND b.status IN ('proposed','confirmed')
      AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
      AND (a.room_id = b.room_id OR a.requester_org_id IN (b.requester_org_id, b.provider_org_id) OR a.provider_org_id IN (b.requester_org_id, b.provider_org_id))`.execute(rig.ctx.db);
    const meetings = await rig.ctx.db.selectFrom('meetings').select('id').where('status', 'in', ['proposed', 'confirmed']).execute();
    const outbox = await rig.ctx.db.selectFrom('outbox').select(['id', 'message_id', 'status', 'sent_with']).execute();
    const received = new Map<string, number>();
    for (const m of rig.mail.messages) received.set(m.parsed.messageId ?? '', (received.get(m.parsed.messageId ?? '') ?? 0) + 1);
    // A confirmation sent in a batch arrives in the message of the row that carried it (sent_with).
    const messageIdOf = new Map(outbox.map((o) => [o.id, o.message_id]));
    const arrivedAs = (o: (typeof outbox)[number]) => (o.sent_with ? messageIdOf.get(o.sent_with)! : o.message_id);
    const failedPermanently = outbox.filter((o) => o.status === 'failed').length;
    const lost = outbox.filter((o) => o.status !== 'failed' && !received.get(arrivedAs(o))).length;
    const duplicated = outbox.filter((o) => !o.sent_with && (received.get(o.message_id) ?? 0) > 1).length;

    const times = rig.mail.messages.map((m) => m.receivedAt.getTime());
    const rate = (from: number, to: number) => times.filter((t) => t >= from && t < to).length / Math.max(1, (to - from) / 1000);
    const before = rate(faultStart - 5000, faultStart);
    const firstAfter = times.filter((t) => t >= faultEnd).sort((a, b) => a - b)[0];
    const after = firstAfter ? rate(firstAfter, firstAfter + 5000) : 0;
    const row: Row = {
      scenario: name,
      closedExpected: REQUESTS,
      closedActual: closed.length,
      closedTwice: twice.rows[0]!.n,
      doubleBooked: doubleBooked.rows[0]!.n,
      meetings: meetings.length,
      emails: outbox.length,
      lost,
      duplicated,
      failedPermanently,
      responses201: statuses.filter((s) => s === 201).length,
      responses503: statuses.filter((s) => s === 503).length,
      responses5xxOther: statuses.filter((s) => s >= 500 && s !== 503).length,
      recoverySeconds: firstAfter ? Math.round((firstAfter - faultEnd) / 100) / 10 : -1,
      throughputRatio: before > 0 ? (after / before).toFixed(2) : 'n/a',
    };
    rows.push(row);
    if (row.lost || row.closedActual !== row.closedExpected) console.log(rig.log.slice(-40).join('\n'));
    expect(row.closedActual, 'every request closed').toBe(REQUESTS);
    expect(row.closedTwice, 'no request closed twice').toBe(0);
    expect(row.doubleBooked, 'nobody double-booked').toBe(0);
    expect(row.lost, 'no email lost').toBe(0);
    if (!options.duplicatesExpected) expect(row.duplicated, 'no email duplicated').toBe(0);
    expect(row.responses5xxOther, 'the web answers 503, never another 5xx').toBe(0);
    expect(rig.web?.exitCode ?? null, 'the web process survived').toBeNull();
    return row;
  } finally {
    await rig.stop();
  }
}

afterAll(() => {
  console.log('\nFault suite results');
  console.table(rows);
});

describe('faults on the night of the deadline', () => {
  it('the worker is killed (SIGKILL) during the close, the matching run and the sending, and restarted', async () => {
    await runScenario('worker SIGKILL x3', [
      { at: -5000, action: (rig) => rig.restartWorkerAfterKill() },
      { at: 3500, action: (rig) => rig.restartWorkerAfterKill() },
      { at: 6000, action: (rig) => rig.restartWorkerAfterKill() },
    ]);
  });

  it('every job in Redis is lost (flushed), twice', async () => {
    await runScenario('Redis flushed x2', [
      { at: -5000, action: (rig) => rig.flushRedis() },
      { at: 4000, action: (rig) => rig.flushRedis() },
    ]);
  });

  it('Redis restarts (its data gone)', async () => {
    await runScenario('Redis restarted', [
      { at: -5000, action: () => restartRedis() },
      { at: -3000, action: () => startRedis() },
    ]);
  });

  it('Postgres restarts', async () => {
    await runScenario('Postgres restarted', [{ at: -5000, action: () => restartPostgres() }]);
  });

  it('Postgres backends are killed (pg_terminate_backend), twice', async () => {
    await runScenario('backends terminated x2', [
      { at: -5000, action: async (rig) => void (await rig.terminateBackends()) },
      { at: 4000, action: async (rig) => void (await rig.terminateBackends()) },
    ]);
  });

  it('SMTP refuses connections for a while', async () => {
    await runScenario('SMTP refusing', [
      { at: -8000, action: (rig) => rig.mail.refuseConnections() },
      { at: 4000, action: (rig) => rig.mail.resume() },
    ]);
  });

  it('SMTP answers 4xx for a while', async () => {
    await runScenario('SMTP 4xx', [
      { at: -8000, action: (rig) => void (rig.mail.failWith = { code: 451, message: 'Try again later' }) },
      { at: 4000, action: (rig) => void (rig.mail.failWith = null) },
    ]);
  });

  it('SMTP times out for a while (a message accepted after the sender gave up is a duplicate: counted, not hidden)', async () => {
    await runScenario(
      'SMTP timing out',
      [
        { at: -8000, action: (rig) => void (rig.mail.delayMs = 4000) },
        { at: 2000, action: (rig) => void (rig.mail.delayMs = 0) },
      ],
      { duplicatesExpected: true },
    );
  });

  it('SMTP answers 5xx for a while (permanent: recorded as failed, resendable, not retried)', async () => {
    const row = await runScenario('SMTP 5xx', [
      { at: -10000, action: (rig) => void (rig.mail.failWith = { code: 554, message: 'Transaction failed' }) },
      { at: -3000, action: (rig) => void (rig.mail.failWith = null) },
    ]);
    expect(row.failedPermanently).toBeGreaterThan(0);
  });
});
