import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Receipts for responses (issue 14): each submission and each edit of a submitted response gets a
 * receipt, the database-clock time and a SHA-256 of what was submitted, signed with the
 * marketplace's Ed25519 key (node:crypto). Anyone verifies one with the marketplace's published key;
 * a changed byte fails.
 *
 * The key is derived from SESSION_SECRET and the marketplace's id (HKDF-SHA256), so no private key
 * is stored. Rotating SESSION_SECRET changes every marketplace's key, and receipts issued before no
 * longer verify here (verification uses the current key); they still name the old key's fingerprint.
 */

export const RECEIPT_FORMAT = 'forum-marketplace-receipt/1';

/** What a receipt states, in the order it is signed. */
export interface ReceiptStatement {
  marketplace: string;
  response: string;
  request: string;
  requestTitle: string;
  organization: string;
  event: 'submitted' | 'edited';
  /** The database clock when the response was written, ISO 8601 in UTC. */
  at: string;
  /** SHA-256 (hex) of the response's content as submitted, in its canonical JSON (`contentDigest`). */
  contentSha256: string;
  /** The first 16 hex digits of the SHA-256 of the marketplace's public key (SPKI DER). */
  keyFingerprint: string;
}

/** The receipt as given to the provider and as the verification takes it back. */
export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  receipt: ReceiptStatement;
  signature: string;
}

/** The response fields a receipt vouches for. */
export interface ReceiptContent {
  summary: string;
  details: string;
  offerCategories: readonly string[];
  modality: string;
  languages: readonly string[];
  funding: string;
}

/** The exact text that is signed: the statement's fields in a fixed order, whatever order they came in. */
export function canonicalStatement(s: ReceiptStatement): string {
  return JSON.stringify({
    marketplace: s.marketplace,
    response: s.response,
    request: s.request,
    requestTitle: s.requestTitle,
    organization: s.organization,
    event: s.event,
    at: s.at,
    contentSha256: s.contentSha256,
    keyFingerprint: s.keyFingerprint,
  });
}

/** SHA-256 of the content in canonical JSON (fields in a fixed order). */
export function contentDigest(c: ReceiptContent): string {
  const canonical = JSON.stringify({ summary: c.summary, details: c.details, offerCategories: [...c.offerCategories], modality: c.modality, languages: [...c.languages], funding: c.funding });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** PKCS#8 DER of an Ed25519 private key from its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A marketplace's signing key, derived from the service secret; never stored. */
type SigningKey = { privateKey: KeyObject; publicKey: KeyObject; fingerprint: string };

/** Derived keys, per secret and marketplace: deriving one (HKDF, two key objects, a digest) costs more than signing. */
const derivedKeys = new Map<string, SigningKey>();

export function marketplaceSigningKey(secret: string, marketplaceId: string): SigningKey {
  const cacheKey = `${createHash('sha256').update(secret).digest('base64')}:${marketplaceId}`;
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    // Marketplaces are few; the bound only keeps a process that is handed endless ids from growing.
    if (derivedKeys.size >= 1000) derivedKeys.clear();
    key = deriveSigningKey(secret, marketplaceId);
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

function deriveSigningKey(secret: string, marketplaceId: string): SigningKey {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'forum-marketplace receipts', `receipt-key:${marketplaceId}`, 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

export function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** Signs a statement: the receipt as given, and the text that was signed (stored). */
export function signReceipt(privateKey: KeyObject, statement: ReceiptStatement): { receipt: Receipt; signed: string } {
  const signed = canonicalStatement(statement);
  const signature = sign(null, Buffer.from(signed, 'utf8'), privateKey).toString('base64url');
  return { receipt: { format: RECEIPT_FORMAT, receipt: JSON.parse(signed) as ReceiptStatement, signature }, signed };
}

/** Whether a receipt's signature holds for the given public key; every field counts. */
export function receiptSignatureHolds(publicKey: KeyObject, receipt: Receipt): boolean {
  try {
    return verify(null, Buffer.from(canonicalStatement(receipt.receipt), 'utf8'), publicKey, Buffer.from(receipt.signature, 'base64url'));
  } catch {
    return false;
  }
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `must be ${n} lower-case hex digits`);

/** A receipt as someone gives it back to be verified: its shape checked, field by field. */
export const receiptSchema = z
  .object({
    format: z.literal(RECEIPT_FORMAT, { error: `must be "${RECEIPT_FORMAT}"` }),
    receipt: z
      .object({
        marketplace: z.string().min(1).max(100),
        response: z.string().min(1).max(100),
        request: z.string().min(1).max(100),
        requestTitle: z.string().max(500),
        organization: z.string().max(500),
        event: z.enum(['submitted', 'edited']),
        at: z.string().min(1).max(40),
        contentSha256: hex(64),
        keyFingerprint: hex(16),
      })
      .strict(),
    signature: z.string().min(1).max(200).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url'),
  })
  .strict()
  .meta({ id: 'Receipt' });
