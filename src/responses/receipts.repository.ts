import type { Queryable } from '../shared/db.ts';

/** What a receipt states of a response, as it stands in the writer's transaction. */
export async function findReceiptSource({ db }: Queryable, responseId: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('requests as q', 'q.id', 's.request_id')
    .innerJoin('marketplaces as m', 'm.id', 'q.marketplace_id')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.summary', 's.details', 's.offer_categories', 's.modality', 's.languages', 's.funding', 's.updated_at', 'q.id as request_id', 'q.title', 'm.id as marketplace_id', 'm.slug', 'o.name as organization_name'])
    .where('s.id', '=', responseId)
    .executeTakeFirstOrThrow();
}

export type ReceiptSource = Awaited<ReturnType<typeof findReceiptSource>>;

export async function insertReceipt(q: Queryable, r: { responseId: string; signed: string; signature: string }) {
  const row = { response_id: r.responseId, signed: r.signed, signature: r.signature };
  // In a transaction the row goes with the commit's others (one statement for all of them).
  if (q.insertLater) q.insertLater('response_receipts', row);
  else await q.db.insertInto('response_receipts').values(row).execute();
}

export async function findLatestReceipt({ db }: Queryable, responseId: string) {
  return db.selectFrom('response_receipts').select(['signed', 'signature']).where('response_id', '=', responseId).orderBy('created_at', 'desc').orderBy('id').limit(1).executeTakeFirst();
}

export async function findMarketplaceIdBySlug({ db }: Queryable, slug: string) {
  return db.selectFrom('marketplaces').select(['id', 'slug']).where('slug', '=', slug).executeTakeFirst();
}
