import { Transform, type TransformCallback } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

/**
 * What every message of the mailer gets. `textEncoding`: a text or HTML part that is not plain ASCII
 * (an accent in a title, "attachés") goes quoted-printable. Left to itself, nodemailer counts a part's
 * Latin letters against its other characters, on every message and twice a part, to choose between
 * quoted-printable and base64; our texts are templates in English, French and Spanish, for which the
 * count always chooses quoted-printable, and that scan was about 5% of the worker's busy time in the
 * email row (BENCHMARKS.md, issue 12). A part of plain ASCII with short lines still goes as 7bit, and
 * a part in another script stays correct, only larger. Attachments keep their own encoding (base64).
 */
const MAIL_DEFAULTS: Mail.Options = { textEncoding: 'quoted-printable' };

/** The most of a message written to the socket at once. */
const WRITE_AT_MOST = 64 * 1024;

/**
 * Joins the pieces of a message (each header, boundary and encoded line block is a piece of
 * nodemailer's MIME stream) into one buffer, up to WRITE_AT_MOST, before the SMTP connection writes
 * them: it writes each piece to the socket as it comes, one system call each, about thirteen for a
 * short message, which was a fifth of the worker's CPU in the email row.
 */
class WholeMessage extends Transform {
  private pieces: Buffer[] = [];
  private size = 0;

  override _transform(piece: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pieces.push(piece);
    this.size += piece.length;
    if (this.size >= WRITE_AT_MOST) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.size > 0) this.release();
    done();
  }

  private release(): void {
    this.push(this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.size));
    this.pieces = [];
    this.size = 0;
  }
}

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
  const mailer = nodemailer.createTransport(options, MAIL_DEFAULTS as SMTPPool.Options);
  // A message's stream may be made again (the pool sends it on another connection after a failure), so
  // the transform is given as a factory, which nodemailer calls for each stream; its types know only
  // the instance form.
  mailer.use('stream', (mail, done) => {
    mail.message.transform((() => new WholeMessage()) as unknown as Transform);
    done();
  });
  return mailer;
}
