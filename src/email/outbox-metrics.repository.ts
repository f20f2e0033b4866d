import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';

/** What /metrics reports of the outbox. (Kept apart from outbox.repository.ts, which the sending path owns.) */
export async function countOutboxByStatus({ db }: Queryable) {
  return db
    .selectFrom('outbox')
    .select(['status', sql<number>`count(*)`.as('n')])
    .groupBy('status')
    .execute();
}

/**
 * How long in seconds the oldest email not sent yet (pending or sending) has been due: since it was
 * written, or for a confirmation waiting for its batch, since its send_after (0 while it waits); null
 * when there is none. An alert on it then means a stuck pipeline, not a batch window.
 */
export async function oldestUnsentOutboxAgeSeconds({ db }: Queryable): Promise<number | null> {
  const { rows } = await sql<{ age: number | null }>`SELECT greatest(0, extract(epoch FROM now() - min(coalesce(send_after, created_at))))::float AS age FROM outbox WHERE status IN ('pending','sending')`.execute(
    db,
  );
  return rows[0]?.age ?? null;
}
