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

/** SMTP 5xx answers are permanent: retrying will not help. */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function describeSmtpError(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  if (e.response) return /^\d{3}/.test(e.response) ? e.response : `${e.responseCode ?? ''} ${e.response}`.trim();
  return [e.code, e.message].filter(Boolean).join(': ') || String(error);
}
