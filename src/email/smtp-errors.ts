// What an SMTP server's refusal means, apart from the client (nodemailer), so that the web, which queues
// emails but never sends them, does not load it.

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
