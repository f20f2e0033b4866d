import type { OutboxAttachment } from '../../db/types.ts';
import { isSupportedLocale, t } from '../i18n/i18n.ts';
import { emailContentHtml, emailContentText, renderEmail, singleLine, type RenderedEmail } from './render.ts';
import { escapeHtml } from '../shared/html.ts';

/**
 * Confirmations ("your response is submitted", "we received your request") to one person within a few
 * minutes go out as one email: a UN agency answering twenty requests gets one message, not twenty.
 *
 * Each confirmation is written to the outbox as usual, with a batch key (the person, and the language
 * the carrying email is written in) and a time before which it is not sent (CONFIRMATION_BATCH_SECONDS
 * after it was written). The first one whose time comes takes every other pending confirmation with its
 * key, sent or not yet due, and sends them all in one email; the others are marked sent with it
 * (`sent_with`) and their own jobs find nothing to do. Nothing is lost when a worker stops half-way:
 * the rows go back to pending with the lease, as single emails do.
 */
export function confirmationBatch(locale: string, to: string): string {
  return `confirmation:${isSupportedLocale(locale) ? locale : 'en'}:${to.toLowerCase()}`;
}

/**
 * A person's side-meeting changes (proposed, moved, confirmed, cancelled) within the same few minutes
 * (CONFIRMATION_BATCH_SECONDS) go out as one email too: a publication that proposes an agency nine
 * meetings sends it one message, each meeting with its own answer link and calendar file.
 */
export function meetingChangesBatch(locale: string, to: string): string {
  return `meetings:${isSupportedLocale(locale) ? locale : 'en'}:${to.toLowerCase()}`;
}

/**
 * What becomes of a person's requests and responses at the deadline and after the matching (a request
 * closed, with its responses; a response that got no meeting) within the same few minutes goes out as
 * one email too: at the deadline a UN agency that answered twenty requests got twenty notes at once, and
 * at a publication a provider got one per response and a government one summary per request.
 */
export function updatesBatch(locale: string, to: string): string {
  return `updates:${isSupportedLocale(locale) ? locale : 'en'}:${to.toLowerCase()}`;
}

/** At most this many emails go in one message; a person's others go in the next (each row has its own send job). */
export const MAX_BATCH_EMAILS = 30;

/** The language a batch's carrying email is written in. */
function localeOfBatch(batchKey: string): string {
  const locale = batchKey.split(':')[1] ?? 'en';
  return isSupportedLocale(locale) ? locale : 'en';
}

export interface BatchedRow {
  subject: string;
  text_body: string;
  html_body: string;
  attachments: OutboxAttachment[];
  created_at: Date;
}


/**
 * One email carrying several confirmations, oldest first: its subject names the first and counts the
 * rest; each confirmation keeps its own words, its button and its attachments (a receipt each).
 */
export function composeBatch(batchKey: string, rows: BatchedRow[]): RenderedEmail & { attachments: OutboxAttachment[] } {
  const locale = localeOfBatch(batchKey);
  const ordered = [...rows].sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  const email = renderEmail(
    {
      subject: t(locale, '{{first}} (and {{count}} more)', { first: ordered[0]!.subject, count: ordered.length - 1 }),
      paragraphs: [
        batchKey.startsWith('meetings:')
          ? t(locale, 'These changes to your side meetings came within a few minutes of each other, so they come in one email. Each meeting has its own link to answer and its own calendar file.')
          : batchKey.startsWith('updates:')
            ? t(locale, 'This news of your requests and responses came within a few minutes of each other, so it comes in one email.')
            : t(locale, 'These confirmations came within a few minutes of each other, so they come in one email.'),
      ],
      sections: ordered.map((row) => ({
        title: singleLine(row.subject),
        text: emailContentText(row.text_body),
        // A body written before the markers existed: its text part, escaped.
        html: emailContentHtml(row.html_body) ?? `<p style="white-space:pre-wrap">${escapeHtml(emailContentText(row.text_body))}</p>`,
      })),
    },
    locale,
  );
  return { ...email, attachments: uniqueFilenames(ordered.flatMap((row) => row.attachments)) };
}

/** Two receipts of one response (submitted, then edited) keep both files: the second gets a number. */
function uniqueFilenames(attachments: OutboxAttachment[]): OutboxAttachment[] {
  const seen = new Map<string, number>();
  return attachments.map((attachment) => {
    const count = seen.get(attachment.filename) ?? 0;
    seen.set(attachment.filename, count + 1);
    if (count === 0) return attachment;
    const dot = attachment.filename.lastIndexOf('.');
    const filename = dot > 0 ? `${attachment.filename.slice(0, dot)}-${count + 1}${attachment.filename.slice(dot)}` : `${attachment.filename}-${count + 1}`;
    return { ...attachment, filename };
  });
}
