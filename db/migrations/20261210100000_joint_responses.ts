import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A provider that presents jointly with another organization names it on its response; when that
  // organization's response to the same request names it back, the two meet the requester together.
  await sql`ALTER TABLE responses ADD COLUMN joint_with uuid REFERENCES organizations(id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE responses ADD CONSTRAINT responses_joint_with_other CHECK (joint_with <> organization_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE responses DROP COLUMN joint_with`.execute(db);
}
