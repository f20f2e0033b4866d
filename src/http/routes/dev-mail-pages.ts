import { Router } from 'express';
import type { MailCatcher } from '../../email/mail-catcher.ts';
import { notFound } from '../../shared/errors.ts';
import { renderPage } from './render.ts';
import { t } from '../../i18n/i18n.ts';

export type DevMailbox = MailCatcher;

/** /dev/mail: every email the in-process SMTP server received (development and demo only). */
export function devMailPages(mailbox: DevMailbox): Router {
  const router = Router();
  router.get('/dev/mail', (req, res) => {
    const messages = [...mailbox.messages].reverse().map((m) => ({ id: m.id, to: m.envelopeTo.join(', '), subject: m.parsed.subject ?? '', receivedAt: m.receivedAt }));
    renderPage(req, res, 'dev-mail.njk', { title: t(req.locale, 'Development mailbox'), messages });
  });
  router.get('/dev/mail/:id', (req, res) => {
    const message = mailbox.messages.find((m) => m.id === Number(req.params.id));
    if (!message) throw notFound('The email');
    renderPage(req, res, 'dev-mail-message.njk', {
      title: message.parsed.subject ?? t(req.locale, 'Email'),
      message: {
        id: message.id,
        to: message.envelopeTo.join(', '),
        subject: message.parsed.subject ?? '',
        // Text split around its links so the page can make them clickable without trusting the text.
        parts: (message.parsed.text ?? '').split(/(https?:\/\/[^\s<>"]+)/).map((part, i) => (i % 2 === 1 ? { url: part } : { text: part })),
        attachments: message.parsed.attachments.map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType, content: a.content.toString('utf8') })),
      },
    });
  });
  router.get('/dev/mail/:id/html', (req, res) => {
    const message = mailbox.messages.find((m) => m.id === Number(req.params.id));
    if (!message) throw notFound('The email');
    // The HTML part as sent, sandboxed: no scripts run, nothing loads from elsewhere.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
    res.type('html').send(typeof message.parsed.html === 'string' ? message.parsed.html : '<p>(no HTML part)</p>');
  });
  return router;
}
