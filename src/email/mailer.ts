import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

/**
 * What every message of the mailer gets. `textEncoding`: a text or HTML part that is not plain ASCII
 * (an accent in a title, "attachés") goes quoted-printable. Left to itself, nodemailer counts a part's
 * Latin letters against its other characters, on every message and twice a part, to choose between
 * quoted-printable and base64; our texts are templates in English, French and Spanish, for which the
 * count always chooses quoted-printable, and that scan was 5-7% of the worker's CPU a message in the
 * email row (BENCHMARKS.md, issue 12). A part of plain ASCII with short lines still goes as 7bit, and
 * a part in another script stays correct, only larger. Attachments keep their own encoding (base64).
 */
const MAIL_DEFAULTS: Mail.Options = { textEncoding: 'quoted-printable' };

/** The one mailer: a pooled SMTP transport. */
export function createMailer(smtpUrl: string, timeoutSeconds = 30): Transporter {
  const options: SMTPPool.Options & { url: string } = {
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: timeoutSeconds * 1000,
  };
  // nodemailer merges the defaults into every message; its types give them the transport's options type.
  return nodemailer.createTransport(options, MAIL_DEFAULTS as SMTPPool.Options);
}
