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

/** Age in seconds of the oldest email not sent yet (pending or sending); null when there is none. */
export async function oldestUnsentOutboxAgeSeconds({ db }: Queryable): Promise<number | null> {
  const { rows } = await sql<{ age: number | null }>`SELECT extract(epoch FROM now() - min(created_at))::float AS age FROM outbox WHERE status IN ('pending','sending')`.execute(
    db,
  );
  return rows[0]?.age ?? null;
}
