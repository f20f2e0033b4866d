import { sql } from 'kysely';
import type { AppContext } from '../../src/context.ts';
import type { OrganizationKind } from '../../db/types.ts';
import { hashToken, newSecretToken } from '../../src/auth/tokens.ts';
import { createMarketplace } from '../../src/marketplaces/marketplaces.service.ts';
import { createMarketplaceBody } from '../../src/marketplaces/marketplaces.schemas.ts';
import type { Actor } from '../../src/auth/actor.ts';
import { resolveSession } from '../../src/auth/auth.service.ts';
import { insertMeeting } from '../../src/meetings/meetings.repository.ts';

export interface TestPerson {
  id: string;
  email: string;
  organizationId: string | null;
  /** A bearer token for the API. */
  token: string;
  /** A browser session token (the cookie's value). */
  browserToken: string;
  actor: Actor;
}

/** A person with an organization, signed in for the API and the browser (no email round trip). */
export async function createPerson(
  ctx: AppContext,
  input: { email: string; organization?: { name: string; kind: OrganizationKind; country?: string | null; status?: 'pending' | 'verified' }; membership?: 'pending' | 'active' },
): Promise<TestPerson> {
  let organizationId: string | null = null;
  if (input.organization) {
    const existing = await ctx.db.selectFrom('organizations').select('id').where('name', '=', input.organization.name).executeTakeFirst();
    organizationId =
      existing?.id ??
      (
        await ctx.db
          .insertInto('organizations')
          .values({ name: input.organization.name, kind: input.organization.kind, country: input.organization.country ?? null, status: input.organization.status ?? 'verified' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
  }
  const user = await ctx.db
    .insertInto('users')
    .values({ email: input.email, organization_id: organizationId, membership: organizationId ? (input.membership ?? 'active') : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = newSecretToken();
  const browserToken = newSecretToken();
  await ctx.db
    .insertInto('auth_sessions')
    .values([
      { token_hash: hashToken(token), user_id: user.id, kind: 'api', expires_at: sql<Date>`now() + interval '1 day'` },
      { token_hash: hashToken(browserToken), user_id: user.id, kind: 'browser', expires_at: sql<Date>`now() + interval '1 day'` },
    ])
    .execute();
  const actor = (await resolveSession(ctx, token, 'api'))!;
  return { id: user.id, email: input.email, organizationId, token, browserToken, actor };
}

/** An instant `ms` from the database's clock (the clock deadlines are checked against), as ISO. */
export async function dbNowPlus(ctx: AppContext, ms: number): Promise<string> {
  const { rows } = await sql<{ at: Date }>`SELECT now() + make_interval(secs => ${ms / 1000}) AS at`.execute(ctx.db);
  return rows[0]!.at.toISOString();
}

/** Moves these requests' deadline a second into the past (by the database clock), behind the services' back. */
export async function passDeadline(ctx: AppContext, requestIds: string[]): Promise<void> {
  await ctx.db.updateTable('requests').set({ response_deadline: sql`now() - interval '1 second'` }).where('id', 'in', requestIds).execute();
}

/** The 2007 Brussels edition, opening a day ago and closing in 30 days. */
export async function createTestMarketplace(ctx: AppContext, organizer: TestPerson, overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  const body = createMarketplaceBody.parse({
    slug: 'gfmd-2007',
    name: 'GFMD 2007 Brussels',
    timeZone: 'Europe/Brussels',
    opensAt: new Date(now - 24 * 3600 * 1000).toISOString(),
    responseDeadline: new Date(now + 30 * 24 * 3600 * 1000).toISOString(),
    forumStartsAt: '2027-07-09',
    forumEndsAt: '2027-07-11',
    // Most tests (and the bench) follow a run's emails: the run sends them itself. Tests of the review
    // before sending (the product's default) ask for it.
    meetingPublication: 'immediate',
    // The matching runs at the deadline, without the review window (tests of the window set one).
    reviewHours: 0,
    rooms: ['Room A', 'Room B'],
    sessions: [
      { code: '1.2', title: 'Temporary labour migration as a contribution to development', startsAt: '2027-07-10T15:00', endsAt: '2027-07-10T18:00' },
      { code: '2.2', title: 'Increasing the micro-impact of remittances on development', startsAt: '2027-07-11T09:00', endsAt: '2027-07-11T12:00' },
    ],
    ...overrides,
  });
  return createMarketplace(ctx, organizer.actor, body);
}

export const sampleRequest = {
  title: 'Pre-departure orientation training for labour attachés',
  category: 'training',
  themes: ['1.2'],
  description: 'Our labour attachés in the Gulf need training on pre-departure orientation and on handling complaints of migrant workers.',
  expectedOutcome: 'Forty attachés trained, and a curriculum the ministry can run itself.',
  countries: ['BD'],
  languages: ['en', 'bn'],
  maxMatches: 3,
};

export const sampleResponse = {
  summary: 'A two-week training of trainers on pre-departure orientation',
  details: 'ILO runs its pre-departure orientation curriculum with the ministry, in Dhaka, for forty trainers, and hands over the material.',
  offerCategories: ['training', 'capacity_building'],
  modality: 'in_person',
  languages: ['en'],
  funding: 'provider_covers',
};

/** A published request of a government, through the API as people do it. */
export async function publishedRequest(
  api: (method: string, path: string, options?: { token?: string; body?: unknown }) => Promise<{ status: number; body: any }>,
  requester: TestPerson,
  organizer: TestPerson,
  overrides: Record<string, unknown> = {},
  slug = 'gfmd-2007',
): Promise<{ id: string; responseDeadline: string; questionDeadline: string }> {
  const created = await api('POST', `/api/v1/marketplaces/${slug}/requests`, { token: requester.token, body: { ...sampleRequest, ...overrides } });
  if (created.status !== 201) throw new Error(`request not created: ${JSON.stringify(created.body)}`);
  const published = await api('POST', `/api/v1/requests/${created.body.id}/publish`, { token: organizer.token });
  if (published.status !== 200) throw new Error(`request not published: ${JSON.stringify(published.body)}`);
  return published.body;
}

/** The people the tests meet again and again, defined once. */
const cast = {
  organizer: { email: 'secretariat@gfmd.test' },
  bangladesh: { email: 'focal@mole.gov.bd', organization: { name: 'Ministry of Expatriates Welfare, Bangladesh', kind: 'government', country: 'BD' } },
  mexico: { email: 'focal@sre.gob.mx', organization: { name: 'Secretaría de Relaciones Exteriores, Mexico', kind: 'government', country: 'MX' } },
  ilo: { email: 'focal@ilo.org', organization: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } },
  iom: { email: 'focal@iom.int', organization: { name: 'International Organization for Migration (IOM)', kind: 'intergovernmental' } },
  undp: { email: 'focal@undp.org', organization: { name: 'United Nations Development Programme (UNDP)', kind: 'un_agency' } },
} as const satisfies Record<string, Parameters<typeof createPerson>[1]>;

export type CastName = keyof typeof cast;

export function castMember(ctx: AppContext, name: CastName): Promise<TestPerson> {
  return createPerson(ctx, cast[name]);
}

/**
 * A published, proposed meeting of a request and a response, written straight to the database (as a
 * run would), in the marketplace's first room, 30 minutes from `startsAt`. Tests of what follows a
 * meeting (its answers, its outcome) use it; pass a start in the past for a meeting that has ended.
 */
export async function meetingFor(ctx: AppContext, v: { marketplaceId: string; requestId: string; responseId: string; requesterOrgId: string; providerOrgId: string; startsAt: Date }) {
  const room = await ctx.db.selectFrom('rooms').select('id').where('marketplace_id', '=', v.marketplaceId).orderBy('position').limit(1).executeTakeFirstOrThrow();
  const run = await ctx.db.insertInto('matching_runs').values({ marketplace_id: v.marketplaceId, trigger: 'organizer', status: 'done' }).returning('id').executeTakeFirstOrThrow();
  return insertMeeting(ctx, {
    marketplaceId: v.marketplaceId,
    runId: run.id,
    requestId: v.requestId,
    responseId: v.responseId,
    requesterOrgId: v.requesterOrgId,
    providerOrgId: v.providerOrgId,
    roomId: room.id,
    startsAt: v.startsAt,
    endsAt: new Date(v.startsAt.getTime() + 30 * 60_000),
    score: 0.5,
    scoreParts: [],
  });
}
