import { sql } from 'kysely';
import type { OrganizationKind } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { membershipTransitions, organizationStatusSets, organizationTransitions } from './organization-status.ts';

export async function findOrganizationByName({ db }: Queryable, name: string, country: string | null) {
  return db
    .selectFrom('organizations')
    .selectAll()
    .where(sql`lower(name)`, '=', name.toLowerCase())
    .where(sql`coalesce(country, '')`, '=', country ?? '')
    .executeTakeFirst();
}

export async function insertOrganization({ db }: Queryable, values: { name: string; kind: OrganizationKind; country: string | null }) {
  return db.insertInto('organizations').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function setUserOrganization({ db }: Queryable, userId: string, organizationId: string, membership: 'pending' | 'active', personName: string | null | undefined) {
  await db
    .updateTable('users')
    .set({ organization_id: organizationId, membership, ...(personName !== undefined ? { name: personName } : {}) })
    .where('id', '=', userId)
    .execute();
}

export async function verifyOrganizationIfPending({ db }: Queryable, organizationId: string, verifiedBy: string) {
  return db
    .updateTable('organizations')
    .set({ status: 'verified', verified_at: sql`now()`, verified_by: verifiedBy })
    .where('id', '=', organizationId)
    .where('status', 'in', organizationTransitions.verify.from)
    .returningAll()
    .executeTakeFirst();
}

export async function rejectOrganizationIfPending({ db }: Queryable, organizationId: string, reason: string) {
  return db
    .updateTable('organizations')
    .set({ status: 'rejected', rejection_reason: reason })
    .where('id', '=', organizationId)
    .where('status', 'in', organizationTransitions.reject.from)
    .returningAll()
    .executeTakeFirst();
}

export async function activateMembership({ db }: Queryable, organizationId: string, userId: string) {
  return db
    .updateTable('users')
    .set({ membership: 'active' })
    .where('id', '=', userId)
    .where('organization_id', '=', organizationId)
    .where('membership', 'in', membershipTransitions.approve.from)
    .returning(['id', 'email', 'locale'])
    .executeTakeFirst();
}

/** A waiting person turned away: no organization and no membership any more; undefined when they were not waiting to join it. */
export async function detachMembership({ db }: Queryable, organizationId: string, userId: string) {
  return db
    .updateTable('users')
    .set({ organization_id: null, membership: null })
    .where('id', '=', userId)
    .where('organization_id', '=', organizationId)
    .where('membership', 'in', membershipTransitions.refuse.from)
    .returning(['id', 'email', 'locale'])
    .executeTakeFirst();
}

export async function findOrganization({ db }: Queryable, id: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Where a page of the organizations list ends: its last row's place in the list's order (`rank`, then name, then id). */
export interface OrganizationsAfter {
  rank: number;
  name: string;
  id: string;
}

/**
 * What waits for the secretariat: an organization to verify, or a person waiting to join one (the
 * header counts both; a person joining a verified organization was listed under it, thirty rows down,
 * and the "Pending" filter, which read the organization's status alone, showed nothing).
 */
const awaitsSecretariat = sql<boolean>`(o.status = 'pending' OR EXISTS (SELECT 1 FROM users wu WHERE wu.organization_id = o.id AND wu.membership = 'pending'))`;

/**
 * The list's order: what waits for the secretariat first (awaitsSecretariat), then verified, then
 * rejected. (It sorted by the status's text, descending: verified first, pending last, under 1,500 rows
 * at fifty times a forum.)
 */
const statusRank = sql<number>`CASE WHEN ${awaitsSecretariat} THEN 0 WHEN o.status = 'verified' THEN 1 ELSE 2 END`;

/**
 * The organizations with their members, pending first (statusRank), then by name; `filter.q` keeps
 * those whose name or a member's address holds it; `limit + 1` rows after `filter.after`.
 */
export async function listOrganizationsWithMembers({ db }: Queryable, filter: { status: string | undefined; q?: string | undefined; after?: OrganizationsAfter | undefined; limit: number }) {
  let query = db
    .selectFrom('organizations as o')
    .select((_eb) => [
      'o.id',
      'o.name',
      'o.kind',
      'o.country',
      'o.status',
      'o.rejection_reason',
      'o.created_at',
      sql<Array<{ id: string; email: string; name: string | null; membership: 'pending' | 'active' | null }>>`coalesce((
        SELECT json_agg(json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'membership', u.membership) ORDER BY u.email)
        FROM users u WHERE u.organization_id = o.id), '[]')`.as('members'),
    ])
    .select(statusRank.as('rank'))
    .orderBy(statusRank)
    .orderBy('o.name')
    .orderBy('o.id')
    .limit(filter.limit + 1);
  // "Pending": everything that waits for the secretariat, a person joining a verified organization too.
  if (filter.status === 'pending') query = query.where(awaitsSecretariat);
  else if (filter.status) query = query.where('o.status', '=', filter.status as 'verified');
  if (filter.q) {
    const like = `%${filter.q.replace(/[%_\\]/g, '\\$&')}%`;
    query = query.where((eb) => eb.or([eb('o.name', 'ilike', like), eb.exists(eb.selectFrom('users as mu').select('mu.id').whereRef('mu.organization_id', '=', 'o.id').where('mu.email', 'ilike', like))]));
  }
  const after = filter.after;
  if (after) {
    query = query.where(sql<boolean>`(${statusRank}, o.name, o.id) > (${after.rank}::int, ${after.name}, ${after.id}::uuid)`);
  }
  return query.execute();
}

export async function listMemberEmails({ db }: Queryable, organizationId: string, membership?: 'active' | 'pending') {
  let query = db.selectFrom('users').select(['id', 'email', 'locale']).where('organization_id', '=', organizationId);
  if (membership) query = query.where('membership', '=', membership);
  return query.execute();
}

export async function searchOrganizations({ db }: Queryable) {
  return db.selectFrom('organizations').select(['id', 'name', 'kind', 'country', 'status']).where('status', 'in', organizationStatusSets.joinable).orderBy('name').execute();
}

/** What waits for the secretariat, for the header: organizations to verify, people to approve, requests to moderate (by marketplace). */
export async function countAwaitingSecretariat({ db }: Queryable) {
  const [organizations, members, requests] = await Promise.all([
    db.selectFrom('organizations').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow(),
    db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).where('membership', '=', 'pending').executeTakeFirstOrThrow(),
    db
      .selectFrom('requests as r')
      .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
      .select(['m.slug', (eb) => eb.fn.countAll<string>().as('n')])
      .where('r.status', '=', 'submitted')
      // Those whose deadline passed can no longer be published (409): they do not wait for the secretariat. At fifty times
      // a forum 57 such requests kept "57 requests to moderate" in every organizer's header after the deadline.
      .where('r.response_deadline', '>', sql<Date>`now()`)
      .groupBy('m.slug')
      .orderBy('n', 'desc')
      .execute(),
  ]);
  return { organizations: Number(organizations.n), members: Number(members.n), requests: requests.map((r) => ({ slug: r.slug, n: Number(r.n) })) };
}
