import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

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
  return nodemailer.createTransport(options);
}
