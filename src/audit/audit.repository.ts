import type { Actor } from '../auth/actor.ts';
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

export async function listAudit({ db }: Queryable, entity: AuditEntry['entity'], entityId: string) {
  return db
    .selectFrom('audit_events')
    .select(['action', 'from_status', 'to_status', 'actor_label', 'detail', 'at'])
    .where('entity', '=', entity)
    .where('entity_id', '=', entityId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
