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
export async function recordAudit({ db }: Queryable, actor: Actor | 'system', entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      entity: entry.entity,
      entity_id: entry.entityId,
      action: entry.action,
      from_status: entry.fromStatus ?? null,
      to_status: entry.toStatus ?? null,
      actor_id: actor === 'system' ? null : actor.id,
      actor_label: actor === 'system' ? 'system' : actor.email,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .execute();
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
