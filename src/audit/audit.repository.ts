import type { Actor } from '../auth/actor.ts';
import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';

export interface AuditEntry {
  entity: 'request' | 'organization' | 'marketplace' | 'membership' | 'response' | 'meeting' | 'email' | 'question';
  entityId: string;
  action: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: Record<string, unknown>;
}

/** Who did what, when: one row per change, written in the change's transaction. */
export async function recordAudit(q: Queryable, actor: Actor | 'system', entry: AuditEntry): Promise<void> {
  const row = {
    entity: entry.entity,
    entity_id: entry.entityId,
    action: entry.action,
    from_status: entry.fromStatus ?? null,
    to_status: entry.toStatus ?? null,
    actor_id: actor === 'system' ? null : actor.id,
    actor_label: actor === 'system' ? 'system' : actor.email,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
  // In a transaction the row goes with the commit's others (one statement for all of them).
  if (q.insertLater) q.insertLater('audit_events', row);
  else await q.db.insertInto('audit_events').values(row).execute();
}

/** An entity's history, oldest first; each row names its actor by the person's name where they gave one (their address otherwise). */
export async function listAudit({ db }: Queryable, entity: AuditEntry['entity'], entityId: string) {
  return db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .select(['a.action', 'a.from_status', 'a.to_status', sql<string>`coalesce(u.name, a.actor_label)`.as('actor_label'), 'a.detail', 'a.at'])
    .where('a.entity', '=', entity)
    .where('a.entity_id', '=', entityId)
    .orderBy('a.at')
    .orderBy('a.id')
    .execute();
}
