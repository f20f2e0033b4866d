import type { AppContext } from '../context.ts';
import { N_ } from '../i18n/i18n.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { notFound } from '../shared/errors.ts';
import type { Queryable } from '../shared/db.ts';
import type { Tx } from '../shared/transaction.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { getResponse } from './responses.service.ts';
import { findLatestReceipt, findMarketplaceIdBySlug, findReceiptSource, insertReceipt, type ReceiptSource } from './receipts.repository.ts';
import { contentDigest, marketplaceSigningKey, receiptSignatureHolds, signReceipt, type Receipt } from './receipts.ts';

/** Issues the receipt of a response's submission or edit, in the writer's transaction, at the time the write stamped. */
export async function issueReceipt(ctx: AppContext, tx: Tx, response: string | ReceiptSource, event: 'submitted' | 'edited'): Promise<Receipt> {
  // The writer may hand over what it just wrote (a new response): then nothing is read back.
  const r = typeof response === 'string' ? await findReceiptSource(tx, response) : response;
  const key = marketplaceSigningKey(ctx.config.SESSION_SECRET, r.marketplace_id);
  const { receipt, signed } = signReceipt(key.privateKey, {
    marketplace: r.slug,
    response: r.id,
    request: r.request_id,
    requestTitle: r.title,
    organization: r.organization_name,
    event,
    at: r.updated_at.toISOString(),
    contentSha256: contentDigest({ summary: r.summary, details: r.details, offerCategories: r.offer_categories, modality: r.modality, languages: r.languages, funding: r.funding }),
    keyFingerprint: key.fingerprint,
  });
  await insertReceipt(tx, { responseId: r.id, signed, signature: receipt.signature });
  return receipt;
}

async function latestReceipt(q: Queryable, responseId: string): Promise<Receipt | null> {
  const row = await findLatestReceipt(q, responseId);
  return row ? { format: 'forum-marketplace-receipt/1', receipt: JSON.parse(row.signed), signature: row.signature } : null;
}

/** The latest receipt of a response, for its provider and the secretariat (anyone else: 404). */
export async function getReceipt(ctx: AppContext, actorOrNull: Actor | null, responseId: string): Promise<Receipt> {
  const actor = requireActor(actorOrNull);
  const response = await getResponse(ctx, actor, responseId);
  const mayHave = actor.isOrganizer || actor.organization?.id === response.organization_id;
  const receipt = mayHave ? await latestReceipt(ctx, responseId) : null;
  if (!receipt) throw notFound('The receipt');
  return receipt;
}

/** A marketplace's published receipt key: PEM (SPKI) and its fingerprint. */
export async function receiptKey(ctx: AppContext, slug: string) {
  const marketplace = await findMarketplace(ctx, slug);
  const key = marketplaceSigningKey(ctx.config.SESSION_SECRET, marketplace.id);
  return { marketplace: marketplace.slug, algorithm: 'Ed25519' as const, publicKey: key.publicKey.export({ format: 'pem', type: 'spki' }).toString(), fingerprint: key.fingerprint };
}

/** Why a receipt does not hold, in English; the page shows them in the reader's language. */
const refusals = {
  noMarketplace: N_('No marketplace of that name issues receipts here.'),
  otherKey: N_("It names a key that is not the marketplace's published key."),
  changed: N_('The signature does not match: the receipt was changed after it was issued, or it was not issued here.'),
};

/**
 * Whether a receipt is one the marketplace signed: the marketplace it names exists, the key
 * fingerprint is its published key's, and the signature holds over every field. Never throws for a
 * receipt that does not hold: it says why.
 */
export async function verifyReceipt(ctx: AppContext, receipt: Receipt): Promise<{ valid: boolean; reason: string | null }> {
  const marketplace = await findMarketplaceIdBySlug(ctx, receipt.receipt.marketplace);
  if (!marketplace) return { valid: false, reason: refusals.noMarketplace };
  const key = marketplaceSigningKey(ctx.config.SESSION_SECRET, marketplace.id);
  if (key.fingerprint !== receipt.receipt.keyFingerprint) return { valid: false, reason: refusals.otherKey };
  return receiptSignatureHolds(key.publicKey, receipt) ? { valid: true, reason: null } : { valid: false, reason: refusals.changed };
}
