import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Links that act for the recipient (sign-in, meeting answers, unsubscribe) leave the stored bodies:
  // these hold a placeholder, and the links are kept here sealed (AES-256-GCM, src/email/sealed-links.ts)
  // until the sender puts them into the message. A database reader or a backup has no usable link.
  await db.schema.alterTable('outbox').addColumn('sealed_links', 'text').execute();
  // One-time links (sign-in) are scrubbed once the email is sent or has failed, so not even the key
  // holder can recover them from a later backup; a resend asks the sign-in for a new link.
  await db.schema.alterTable('outbox').addColumn('sealed_links_until_sent', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  // The email that carries a sign-in token's link: an organizer's resend replaces the token of this row.
  await db.schema.alterTable('sign_in_tokens').addColumn('outbox_id', 'uuid', (c) => c.references('outbox.id').onDelete('set null')).execute();
  await sql`CREATE INDEX sign_in_tokens_outbox_idx ON sign_in_tokens (outbox_id) WHERE outbox_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sign_in_tokens').dropColumn('outbox_id').execute();
  await db.schema.alterTable('outbox').dropColumn('sealed_links_until_sent').execute();
  await db.schema.alterTable('outbox').dropColumn('sealed_links').execute();
}
