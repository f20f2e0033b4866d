import { sql, type Insertable } from 'kysely';
import type { MarketplacesTable, SessionRole } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { requestStatusSets } from '../requests/request-status.ts';

export type MarketplaceValues = Omit<Insertable<MarketplacesTable>, 'id' | 'created_at' | 'updated_at'>;

export async function insertMarketplace({ db }: Queryable, values: MarketplaceValues) {
  return db.insertInto('marketplaces').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateMarketplaceRow({ db }: Queryable, id: string, values: Partial<MarketplaceValues>) {
  return db
    .updateTable('marketplaces')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findMarketplaceBySlug({ db }: Queryable, slug: string) {
  return db.selectFrom('marketplaces').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The marketplaces an organization posted a request to or responded in (any status). */
export async function findMarketplaceIdsOfOrganization({ db }: Queryable, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('requests')
    .select('marketplace_id')
    .where('organization_id', '=', organizationId)
    .union(db.selectFrom('responses as s').innerJoin('requests as r', 'r.id', 's.request_id').select('r.marketplace_id').where('s.organization_id', '=', organizationId))
    .execute();
  return rows.map((r) => r.marketplace_id);
}

/** Locks the marketplace row for an edit of its rooms or agenda. */
export async function lockMarketplaceBySlug({ db }: Queryable, slug: string) {
  return db.selectFrom('marketplaces').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();
}

export async function listMarketplaceRows({ db }: Queryable) {
  return db
    .selectFrom('marketplaces as m')
    .selectAll('m')
    .select((eb) =>
      eb
        .selectFrom('requests as r')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('r.marketplace_id', '=', 'm.id')
        .where('r.status', '=', 'open')
        .as('open_requests'),
    )
    .orderBy('m.forum_starts_on', 'desc')
    .execute();
}

export async function listRooms({ db }: Queryable, marketplaceId: string) {
  return db.selectFrom('rooms').select(['id', 'name']).where('marketplace_id', '=', marketplaceId).orderBy('position').orderBy('name').execute();
}

/** Makes the rooms exactly these names, keeping the ids of rooms whose name stays. */
export async function replaceRooms({ db }: Queryable, marketplaceId: string, names: string[]) {
  if (names.length === 0) {
    await db.deleteFrom('rooms').where('marketplace_id', '=', marketplaceId).execute();
    return;
  }
  await db.deleteFrom('rooms').where('marketplace_id', '=', marketplaceId).where('name', 'not in', names).execute();
  await db
    .insertInto('rooms')
    .values(names.map((name, position) => ({ marketplace_id: marketplaceId, name, position })))
    .onConflict((oc) => oc.columns(['marketplace_id', 'name']).doUpdateSet({ position: sql`excluded.position` }))
    .execute();
}

export interface SessionRow {
  code: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  roles: Array<{ organizationId: string; role: SessionRole; note: string | null }>;
}

/** Makes the agenda exactly these sessions (matched by code) with exactly these roles. */
export async function replaceSessions({ db }: Queryable, marketplaceId: string, sessions: SessionRow[]) {
  const codes = sessions.map((s) => s.code);
  let stale = db.deleteFrom('agenda_sessions').where('marketplace_id', '=', marketplaceId);
  if (codes.length) stale = stale.where('code', 'not in', codes);
  await stale.execute();
  if (!sessions.length) return;
  const saved = await db
    .insertInto('agenda_sessions')
    .values(sessions.map((s) => ({ marketplace_id: marketplaceId, code: s.code, title: s.title, starts_at: s.startsAt, ends_at: s.endsAt })))
    .onConflict((oc) =>
      oc.columns(['marketplace_id', 'code']).doUpdateSet({ title: sql`excluded.title`, starts_at: sql`excluded.starts_at`, ends_at: sql`excluded.ends_at` }),
    )
    .returning(['id', 'code'])
    .execute();
  const idByCode = new Map(saved.map((s) => [s.code, s.id]));
  await db.deleteFrom('session_roles').where('session_id', 'in', saved.map((s) => s.id)).execute();
  const roles = sessions.flatMap((s) =>
    s.roles.map((r) => ({ session_id: idByCode.get(s.code)!, organization_id: r.organizationId, role: r.role, note: r.note })),
  );
  if (roles.length) await db.insertInto('session_roles').values(roles).onConflict((oc) => oc.doNothing()).execute();
}

export async function listSessionsWithRoles({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('agenda_sessions as s')
    .select((_eb) => [
      's.id',
      's.code',
      's.title',
      's.starts_at',
      's.ends_at',
      sql<Array<{ organizationId: string; organizationName: string; role: SessionRole; note: string | null }>>`coalesce((
        SELECT json_agg(json_build_object('organizationId', o.id, 'organizationName', o.name, 'role', r.role, 'note', r.note) ORDER BY o.name, r.role)
        FROM session_roles r JOIN organizations o ON o.id = r.organization_id WHERE r.session_id = s.id), '[]')`.as('roles'),
    ])
    .where('s.marketplace_id', '=', marketplaceId)
    .orderBy('s.starts_at')
    .orderBy('s.code')
    .execute();
}

export async function findOrganizationIdsByName({ db }: Queryable, names: string[]) {
  if (!names.length) return new Map<string, string>();
  const rows = await db
    .selectFrom('organizations')
    .select(['id', 'name'])
    .where(sql`lower(name)`, 'in', names.map((n) => n.toLowerCase()))
    .execute();
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.id]));
}

export async function existingOrganizationIds({ db }: Queryable, ids: string[]) {
  if (!ids.length) return new Set<string>();
  const rows = await db.selectFrom('organizations').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** How many requests take the marketplace's deadline as theirs (no own deadline) and would move with it. */
export async function countRequestsFollowingDeadline({ db }: Queryable, marketplaceId: string): Promise<number> {
  const row = await db
    .selectFrom('requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('marketplace_id', '=', marketplaceId)
    .where('own_deadline', 'is', null)
    .where('status', 'in', requestStatusSets.deadlineMovable)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
