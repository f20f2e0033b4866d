import { beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { castMember } from '../helpers/factories.ts';
import { seedBrussels2007 } from '../../db/seed.ts';
import { isCountryCode, isLanguageCode } from '../../src/shared/reference-data.ts';
import { requestCategories } from '../../src/requests/requests.schemas.ts';
import type { Database } from '../../db/types.ts';

async function tableCounts(db: Kysely<Database>) {
  const result = await sql<Record<string, number>>`
    SELECT (SELECT count(*)::int FROM organizations) AS organizations,
           (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM marketplaces) AS marketplaces,
           (SELECT count(*)::int FROM rooms) AS rooms,
           (SELECT count(*)::int FROM agenda_sessions) AS sessions,
           (SELECT count(*)::int FROM session_roles) AS roles,
           (SELECT count(*)::int FROM requests) AS requests,
           (SELECT count(*)::int FROM audit_events) AS audit_events`.execute(db);
  return result.rows[0]!;
}

describe('npm run seed', () => {
  // A database of its own: the seed's first run is into an empty marketplace.
  const t = useTestEnvironment({ workers: false });

  it('loads the edition and, run a second time, leaves exactly the same rows', async () => {
    const first = await seedBrussels2007(t.env.ctx);
    const afterFirst = await tableCounts(t.env.ctx.db);
    const second = await seedBrussels2007(t.env.ctx);
    const afterSecond = await tableCounts(t.env.ctx.db);

    expect(second).toEqual(first);
    expect(afterSecond).toEqual(afterFirst);
    expect(afterFirst).toMatchObject({ organizations: first.organizations, marketplaces: 1, sessions: first.sessions, requests: first.requests });
    // Two history rows per seeded request (submitted by its focal point, published by the secretariat), not two per run.
    expect(afterFirst.audit_events).toBe(first.requests * 2);
    // Every organization has its active focal point, plus the secretariat user.
    expect(afterFirst.users).toBe(first.organizations + 1);
    const unverified = await t.env.ctx.db.selectFrom('organizations').select('name').where('status', '!=', 'verified').execute();
    expect(unverified).toEqual([]);
  });
});

describe('the 2007 Brussels marketplace, as the seed loads it', () => {
  const t = useTestEnvironment({ workers: false });
  beforeAll(async () => {
    await seedBrussels2007(t.env.ctx);
  });

  it('stores Brussels local times as instants: deadline at close of business, 1.2 in the second half of the afternoon slot', async () => {
    const marketplace = await t.env.ctx.db.selectFrom('marketplaces').selectAll().where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
    expect(marketplace.response_deadline.toISOString()).toBe('2007-06-20T15:00:00.000Z');
    expect(marketplace.opens_at.toISOString()).toBe('2007-05-17T22:00:00.000Z');
    expect([marketplace.forum_starts_on, marketplace.forum_ends_on]).toEqual(['2007-07-09', '2007-07-11']);

    const session = await t.env.ctx.db
      .selectFrom('agenda_sessions')
      .select(['starts_at', 'ends_at'])
      .where('marketplace_id', '=', marketplace.id)
      .where('code', '=', '1.2')
      .executeTakeFirstOrThrow();
    // 10 July 16:30-18:00 Brussels (UTC+2): 1.1 takes 15:00-16:30 of the round table's slot.
    expect(session.starts_at.toISOString()).toBe('2007-07-10T14:30:00.000Z');
    expect(session.ends_at.toISOString()).toBe('2007-07-10T16:00:00.000Z');
  });

  it('records who does what in the agenda: the ILO is rapporteur of 1.2, at the request of Spain', async () => {
    const roles = await t.env.ctx.db
      .selectFrom('session_roles as r')
      .innerJoin('agenda_sessions as s', 's.id', 'r.session_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select(['o.name', 'r.role', 'r.note'])
      .where('s.code', '=', '1.2')
      .execute();
    expect(roles).toContainEqual({
      name: 'International Labour Organization (ILO)',
      role: 'rapporteur',
      note: expect.stringContaining('Government of Spain has asked the ILO to act as rapporteur'),
    });
    expect(roles.filter((r) => r.role === 'coordinator').map((r) => r.name).sort()).toEqual(['Government of Morocco', 'Government of Spain']);
  });

  it('publishes at least a dozen open requests across the categories, with valid country and language codes', async () => {
    const requests = await t.env.ctx.db
      .selectFrom('requests as r')
      .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select(['r.title', 'r.category', 'r.status', 'r.countries', 'r.languages', 'r.max_matches', 'r.published_at', 'r.response_deadline', 'o.kind'])
      .where('m.slug', '=', 'gfmd-2007')
      .execute();
    expect(requests.length).toBeGreaterThanOrEqual(12);
    expect(new Set(requests.map((r) => r.category)).size).toBeGreaterThanOrEqual(5);
    for (const r of requests) {
      expect(r.status, r.title).toBe('open');
      expect(r.kind, r.title).toBe('government');
      expect(requestCategories, r.title).toContain(r.category);
      expect(r.published_at, r.title).not.toBeNull();
      expect(r.response_deadline.toISOString(), r.title).toBe('2007-06-20T15:00:00.000Z');
      expect(r.max_matches, r.title).toBeGreaterThanOrEqual(1);
      expect(r.max_matches, r.title).toBeLessThanOrEqual(3);
      expect(r.countries.length, r.title).toBeGreaterThan(0);
      expect(r.languages.length, r.title).toBeGreaterThan(0);
      expect(r.countries.filter((c) => !isCountryCode(c)), r.title).toEqual([]);
      expect(r.languages.filter((l) => !isLanguageCode(l)), r.title).toEqual([]);
    }
    // The history names people, not "seed".
    const audit = await t.env.ctx.db.selectFrom('audit_events').select(['entity', 'action', 'to_status']).distinct().orderBy('action').execute();
    expect(audit).toEqual([
      { entity: 'request', action: 'create', to_status: 'submitted' },
      { entity: 'request', action: 'publish', to_status: 'open' },
    ]);
    expect(await t.env.ctx.db.selectFrom('audit_events').select('actor_label').where('actor_label', '=', 'seed').execute()).toEqual([]);
    const request = await t.env.ctx.db.selectFrom('requests').select('id').limit(1).executeTakeFirstOrThrow();
    const organizer = await castMember(t.env.ctx, 'organizer');
    const page = t.pageAs(organizer);
    const history = (await page.get(`/requests/${request.id}`)).html;
    expect(history).toContain('by GFMD Task Force secretariat');
    expect(history).not.toContain('by seed');
  });

  it('lists the seeded requests in the public API', async () => {
    const total = await t.env.ctx.db.selectFrom('requests').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const response = await fetch(`${t.env.baseUrl}/api/v1/marketplaces/gfmd-2007/requests?limit=100`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<{ title: string; status: string; organization: { name: string }; themes: string[] }>; nextCursor: string | null };
    expect(body.items).toHaveLength(total.n);
    expect(body.nextCursor).toBeNull();
    expect(body.items.every((r) => r.status === 'open')).toBe(true);
    expect(body.items).toContainEqual(
      expect.objectContaining({ title: 'Pre-departure orientation and training for labour attachés', organization: expect.objectContaining({ name: 'Government of Bangladesh' }), themes: expect.arrayContaining(['1.3']) }),
    );

    const marketplace = (await (await fetch(`${t.env.baseUrl}/api/v1/marketplaces/gfmd-2007`)).json()) as { responseDeadline: string; sessions: Array<{ code: string; startsAt: string }>; rooms: Array<{ name: string }> };
    expect(marketplace.responseDeadline).toBe('2007-06-20T17:00:00+02:00');
    expect(marketplace.sessions.find((s) => s.code === '1.2')?.startsAt).toBe('2007-07-10T16:30:00+02:00');
    expect(marketplace.rooms.length).toBeGreaterThanOrEqual(2);
  });
});
