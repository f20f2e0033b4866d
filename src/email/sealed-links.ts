import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { escapeHtml } from '../shared/html.ts';

/**
 * Links that act for the recipient of an email (a sign-in link, a meeting's accept-or-decline link, a
 * one-click unsubscribe) never sit readable in the outbox: the stored bodies and headers hold a
 * placeholder, the links are stored sealed beside them, and the sender puts them into the message just
 * before SMTP. Someone who reads the database or a backup, without SESSION_SECRET, gets no usable link.
 */
export type EmailLinks = Record<string, string>;

/** Stands for one link in an email's stored text; random, so no text a user wrote can stand for a link. */
export function linkPlaceholder(): string {
  return `sealed-link-${randomBytes(8).toString('hex')}`;
}

/** Any placeholder a stored email holds: `linkPlaceholder()`'s, and fixed ones such as sign-in's (`sealed-link-sign-in`). */
const ANY_PLACEHOLDER = /sealed-link-[a-z0-9-]+/g;

/** A stored text for a person to read (the secretariat's email log), each link's place shown as `label`. */
export function withPlacesOfLinks(text: string, label: string): string {
  return text.replace(ANY_PLACEHOLDER, label);
}

/** What a sealed value is bound to: it opens only in its own outbox row, for the address it was sealed for. */
export interface SealedFor {
  outboxId: string;
  to: string;
}

// Its own key for this one purpose: SESSION_SECRET also signs CSRF tokens and the links themselves.
const SEALING_PURPOSE = 'forum-marketplace outbox links v1';

function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), SEALING_PURPOSE, 32));
}

// A sealed value copied into another row, or a row whose address was changed, does not open: a person
// who can write to the database cannot redirect someone's sign-in link to themselves.
function boundTo(sealedFor: SealedFor): Buffer {
  return Buffer.from(`${sealedFor.outboxId}\n${sealedFor.to}`, 'utf8');
}

/** AES-256-GCM with a random IV: `v1.<iv>.<ciphertext>.<tag>`, base64url. */
export function sealLinks(secret: string, sealedFor: SealedFor, links: EmailLinks): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  cipher.setAAD(boundTo(sealedFor));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(links), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The links again; throws when the value was sealed with another SESSION_SECRET, for another row, or altered. */
export function openLinks(secret: string, sealedFor: SealedFor, value: string): EmailLinks {
  const [version, iv, sealed, tag] = value.split('.');
  if (version !== 'v1' || !iv || !sealed || !tag) throw new Error('not a sealed value this version can open');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(boundTo(sealedFor));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const json = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  return JSON.parse(json) as EmailLinks;
}


/** The message as it goes to SMTP: each placeholder replaced by its link (escaped in the HTML part). */
export function withLinks<M extends { text: string; html: string; headers: Record<string, string> }>(message: M, links: EmailLinks): M {
  let { text, html } = message;
  const headers = { ...message.headers };
  for (const [placeholder, url] of Object.entries(links)) {
    text = text.replaceAll(placeholder, url);
    html = html.replaceAll(placeholder, escapeHtml(url));
    for (const name of Object.keys(headers)) headers[name] = headers[name]!.replaceAll(placeholder, url);
  }
  return { ...message, text, html, headers };
}

/** A text about the message (an SMTP answer that quotes it) with its links back to placeholders, to be stored or logged. */
export function withoutLinks(text: string, links: EmailLinks): string {
  let result = text;
  for (const [placeholder, url] of Object.entries(links)) result = result.replaceAll(url, placeholder);
  return result;
}
