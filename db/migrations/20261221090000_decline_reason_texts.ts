import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A declined meeting's reason was stored as "declined by the requester" (or provider), which is not one
  // of the texts the calendar feed and the emails translate: a French feed read "Annulée : declined by the
  // requester". It is now stored as the translated texts are written (cancellationReasons).
  await sql`UPDATE meetings SET ended_reason = 'the requester declined it' WHERE ended_reason = 'declined by the requester'`.execute(db);
  await sql`UPDATE meetings SET ended_reason = 'the provider declined it' WHERE ended_reason = 'declined by the provider'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`UPDATE meetings SET ended_reason = 'declined by the requester' WHERE ended_reason = 'the requester declined it' AND status = 'declined'`.execute(db);
  await sql`UPDATE meetings SET ended_reason = 'declined by the provider' WHERE ended_reason = 'the provider declined it' AND status = 'declined'`.execute(db);
}
