import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Database } from './types.ts';
import { localToInstant } from '../src/shared/time.ts';
import { replaceRooms, replaceSessions, type SessionRow } from '../src/marketplaces/marketplaces.repository.ts';
import type { Queryable } from '../src/shared/db.ts';
import { MARKETPLACE, ORGANIZATIONS, ORGANIZER, REQUESTS, SESSIONS, type OrganizationKey } from './seed-data.ts';

/**
 * `npm run seed`: loads the 2007 Brussels marketplace (db/seed-data.ts) in one transaction. Running it
 * again changes nothing: organizations are upserted by name and country, users by email, the
 * marketplace by slug, rooms and the agenda are replaced by the repository functions the API uses, and
 * requests are matched by (marketplace, title). Requests are inserted directly as published (`open`):
 * this is historical data, so the request lifecycle (moderation, emails) does not apply; each new one
 * gets its history: submitted by its focal point, published by the secretariat.
 */

export interface SeedSummary {
  organizations: number;
  sessions: number;
  requests: number;
  marketplaceId: string;
}

/** A Brussels wall-clock time as an instant; the seed data never names a time a clock change skips. */
function inBrussels(date: string, time: string): Date {
  const instant = localToInstant(date, time, MARKETPLACE.timeZone);
  if (!instant) throw new Error(`${date} ${time} does not exist in ${MARKETPLACE.timeZone}`);
  return instant;
}

/** `2007-05-21T10:15` in Brussels. */
function localStamp(value: string): Date {
  const [date, time] = value.split('T');
  return inBrussels(date!, time!);
}

export async function seedBrussels2007({ db }: Queryable): Promise<SeedSummary> {
  if (db.isTransaction) return seedInTransaction(db);
  return db.transaction().execute((trx) => seedInTransaction(trx));
}

async function seedInTransaction(db: Kysely<Database>): Promise<SeedSummary> {
  const organizer = await db
    .insertInto('users')
    .values({ email: ORGANIZER.email, name: ORGANIZER.name, organization_id: null, membership: null })
    .onConflict((oc) => oc.column('email').doUpdateSet({ name: (eb) => eb.ref('excluded.name') }))
    .returning('id')
    .executeTakeFirstOrThrow();

  // Organizations: the unique index is on (lower(name), coalesce(country, '')); the conflict target names it.
  const organizationIds = new Map<OrganizationKey, string>();
  for (const [key, org] of Object.entries(ORGANIZATIONS) as Array<[OrganizationKey, (typeof ORGANIZATIONS)[OrganizationKey]]>) {
    const row = await db
      .insertInto('organizations')
      .values({ name: org.name, kind: org.kind, country: org.country, status: 'verified', verified_at: sql<Date>`now()`, verified_by: organizer.id })
      .onConflict((oc) =>
        oc.expression(sql`lower(name), coalesce(country, '')`).doUpdateSet({
          name: (eb) => eb.ref('excluded.name'),
          kind: (eb) => eb.ref('excluded.kind'),
          status: 'verified',
          verified_at: sql<Date>`coalesce(organizations.verified_at, excluded.verified_at)`,
          verified_by: sql<string>`coalesce(organizations.verified_by, excluded.verified_by)`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    organizationIds.set(key, row.id);
  }
  const organizationId = (key: OrganizationKey) => organizationIds.get(key)!;

  // One active focal point per organization.
  const focalPointIds = new Map<OrganizationKey, string>();
  for (const [key, org] of Object.entries(ORGANIZATIONS) as Array<[OrganizationKey, (typeof ORGANIZATIONS)[OrganizationKey]]>) {
    const row = await db
      .insertInto('users')
      .values({ email: org.focalPoint.email, name: org.focalPoint.name, organization_id: organizationId(key), membership: 'active' })
      .onConflict((oc) =>
        oc.column('email').doUpdateSet({
          name: (eb) => eb.ref('excluded.name'),
          organization_id: (eb) => eb.ref('excluded.organization_id'),
          membership: 'active',
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    focalPointIds.set(key, row.id);
  }

  const marketplaceValues = {
    slug: MARKETPLACE.slug,
    name: MARKETPLACE.name,
    time_zone: MARKETPLACE.timeZone,
    opens_at: inBrussels(MARKETPLACE.opens.date, MARKETPLACE.opens.time),
    response_deadline: inBrussels(MARKETPLACE.responseDeadline.date, MARKETPLACE.responseDeadline.time),
    forum_starts_on: MARKETPLACE.forumStartsOn,
    forum_ends_on: MARKETPLACE.forumEndsOn,
    meeting_minutes: MARKETPLACE.meetingMinutes,
    meeting_day_starts: MARKETPLACE.sideMeetingsFrom,
    meeting_day_ends: MARKETPLACE.sideMeetingsUntil,
    sealed_responses: MARKETPLACE.sealedResponses,
    max_meetings_per_day: MARKETPLACE.maxMeetingsPerDay,
    break_after: MARKETPLACE.breakAfter,
    no_meeting_windows: JSON.stringify(MARKETPLACE.noMeetingDays.map((d) => ({ startsAt: inBrussels(d.date, '00:00').toISOString(), endsAt: inBrussels(d.date, '23:59').toISOString(), label: d.label }))),
  };
  // Upsert by slug; an existing edition is only touched (and its updated_at moved) when something differs.
  const upserted = await db
    .insertInto('marketplaces')
    .values({ ...marketplaceValues, created_by: organizer.id })
    .onConflict((oc) =>
      oc
        .column('slug')
        .doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          time_zone: eb.ref('excluded.time_zone'),
          opens_at: eb.ref('excluded.opens_at'),
          response_deadline: eb.ref('excluded.response_deadline'),
          forum_starts_on: eb.ref('excluded.forum_starts_on'),
          forum_ends_on: eb.ref('excluded.forum_ends_on'),
          meeting_minutes: eb.ref('excluded.meeting_minutes'),
          meeting_day_starts: eb.ref('excluded.meeting_day_starts'),
          meeting_day_ends: eb.ref('excluded.meeting_day_ends'),
          sealed_responses: eb.ref('excluded.sealed_responses'),
          no_meeting_windows: eb.ref('excluded.no_meeting_windows'),
          max_meetings_per_day: eb.ref('excluded.max_meetings_per_day'),
          break_after: eb.ref('excluded.break_after'),
          updated_at: sql<Date>`now()`,
        }))
        .where(
          sql<boolean>`(marketplaces.name, marketplaces.time_zone, marketplaces.opens_at, marketplaces.response_deadline,
                        marketplaces.forum_starts_on, marketplaces.forum_ends_on, marketplaces.meeting_minutes,
                        marketplaces.meeting_day_starts, marketplaces.meeting_day_ends, marketplaces.sealed_responses, marketplaces.no_meeting_windows,
                        marketplaces.max_meetings_per_day, marketplaces.break_after)
            IS DISTINCT FROM
                       (excluded.name, excluded.time_zone, excluded.opens_at, excluded.response_deadline,
                        excluded.forum_starts_on, excluded.forum_ends_on, excluded.meeting_minutes,
                        excluded.meeting_day_starts, excluded.meeting_day_ends, excluded.sealed_responses, excluded.no_meeting_windows,
                        excluded.max_meetings_per_day, excluded.break_after)`,
        ),
    )
    .returning(['id', 'response_deadline'])
    .executeTakeFirst();
  const marketplace =
    upserted ??
    (await db.selectFrom('marketplaces').select(['id', 'response_deadline']).where('slug', '=', MARKETPLACE.slug).executeTakeFirstOrThrow());

  await replaceRooms({ db }, marketplace.id, [...MARKETPLACE.rooms]);
  const sessions: SessionRow[] = SESSIONS.map((s) => ({
    code: s.code,
    title: s.title,
    startsAt: inBrussels(s.date, s.starts),
    endsAt: inBrussels(s.date, s.ends),
    roles: s.roles.map((r) => ({ organizationId: organizationId(r.organization), role: r.role, note: r.note })),
  }));
  await replaceSessions({ db }, marketplace.id, sessions);

  for (const request of REQUESTS) {
    const content = {
      category: request.category,
      themes: request.themes,
      description: request.description,
      expected_outcome: request.expectedOutcome,
      countries: request.countries,
      languages: request.languages,
      max_matches: request.maxMatches,
    };
    const existing = await db
      .selectFrom('requests')
      .select('id')
      .where('marketplace_id', '=', marketplace.id)
      .where('title', '=', request.title)
      .executeTakeFirst();
    if (existing) {
      // Keep its status and history (a worker may have closed it since); refresh only text the seed owns.
      await db
        .updateTable('requests')
        .set({ ...content, updated_at: sql<Date>`now()` })
        .where('id', '=', existing.id)
        .where(
          sql<boolean>`(category, themes, description, expected_outcome, countries, languages, max_matches)
            IS DISTINCT FROM (${content.category}, ${content.themes}::text[], ${content.description}, ${content.expected_outcome},
                              ${content.countries}::text[], ${content.languages}::text[], ${content.max_matches}::int)`,
        )
        .execute();
      continue;
    }
    const inserted = await db
      .insertInto('requests')
      .values({
        ...content,
        marketplace_id: marketplace.id,
        organization_id: organizationId(request.organization),
        created_by: focalPointIds.get(request.organization)!,
        title: request.title,
        own_deadline: null,
        response_deadline: marketplace.response_deadline,
        status: 'open',
        created_at: localStamp(request.submitted),
        published_at: localStamp(request.published),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The history names people, as a live request's does: the focal point submitted it, the secretariat published it.
    const focalPoint = ORGANIZATIONS[request.organization].focalPoint;
    const source = JSON.stringify({ source: 'db/seed-data.ts', marketplace: MARKETPLACE.slug });
    await db
      .insertInto('audit_events')
      .values([
        { entity: 'request', entity_id: inserted.id, action: 'create', from_status: null, to_status: 'submitted', actor_id: focalPointIds.get(request.organization)!, actor_label: focalPoint.email, detail: source, at: localStamp(request.submitted) },
        { entity: 'request', entity_id: inserted.id, action: 'publish', from_status: 'submitted', to_status: 'open', actor_id: organizer.id, actor_label: ORGANIZER.email, detail: source, at: localStamp(request.published) },
      ])
      .execute();
  }

  return { organizations: organizationIds.size, sessions: sessions.length, requests: REQUESTS.length, marketplaceId: marketplace.id };
}

/** Migrates the configured database, seeds it and prints what to sign in as. Returns the exit code. */
async function main(): Promise<number> {
  const { loadConfig } = await import('../src/config/config.ts');
  const { createDatabase } = await import('./database.ts');
  const { ensureDatabaseExists, migrateToLatest } = await import('./migrate.ts');
  const config = loadConfig();
  await ensureDatabaseExists(config.DATABASE_URL);
  const { db } = createDatabase(config.DATABASE_URL, 2);
  try {
    await migrateToLatest(db);
    const summary = await seedBrussels2007({ db });
    const organizerHint = config.ORGANIZER_EMAILS.includes(ORGANIZER.email)
      ? `Sign in as the organizer ${ORGANIZER.email} (it is in ORGANIZER_EMAILS)`
      : `Sign in as the organizer ${ORGANIZER.email} once ORGANIZER_EMAILS includes it (e.g. ORGANIZER_EMAILS=${ORGANIZER.email}; that setting is what makes it an organizer)`;
    const mailHint = config.devMailbox ? ' Sign-in links go to the development mailbox at /dev/mail: every demo address is in the reserved .example domain.' : '';
    console.log(
      `Seeded ${MARKETPLACE.name} (${MARKETPLACE.slug}, ${MARKETPLACE.timeZone}): ${summary.organizations} verified organizations, ` +
        `${summary.sessions} agenda sessions in ${MARKETPLACE.rooms.length} rooms, and ${summary.requests} open requests, ` +
        `responses due ${MARKETPLACE.responseDeadline.date} ${MARKETPLACE.responseDeadline.time} Brussels time. ` +
        `${organizerHint}; or as a focal point: ${ORGANIZATIONS.bangladesh.focalPoint.email} (a requester, ${ORGANIZATIONS.bangladesh.name}) ` +
        `or ${ORGANIZATIONS.ilo.focalPoint.email} (a provider, ${ORGANIZATIONS.ilo.name}).${mailHint}`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const exitCode = await main().catch((error: unknown) => {
    console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  });
  process.exit(exitCode);
}
