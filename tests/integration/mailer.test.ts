import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailCatcher } from '../../src/email/mail-catcher.ts';
import { createMailer } from '../../src/email/mailer.ts';

// The app's mailer against a real SMTP server in this process (no database): how a message goes on the wire.
const catcher = new MailCatcher();
let url = '';
beforeAll(async () => {
  url = await catcher.start(0);
});
afterAll(() => catcher.stop());

/** What the mailer's sockets to the SMTP server write while `work` runs, one entry a write. */
async function writesTo(port: number, work: () => Promise<unknown>): Promise<string[]> {
  const writes: string[] = [];
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.remotePort === port) writes.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = write;
  }
  return writes;
}

describe('the mailer', () => {
  it('writes a message to the socket in one piece, not a write per header and part', async () => {
    const mailer = createMailer(url);
    try {
      const text = 'Formation pré-départ des attachés de travail.\n'.repeat(40);
      const writes = await writesTo(catcher.port, () => mailer.sendMail({ from: 'secretariat@example.org', to: 'one@example.org', subject: 'Une formation', text, html: `<p>${text}</p>` }));
      const message = writes.filter((w) => w.includes('Subject: Une formation'));
      expect(message).toHaveLength(1);
      // Headers, both parts and the closing boundary are in that one write.
      expect(message[0]).toMatch(/Content-Type: text\/plain[\s\S]*Content-Type: text\/html[\s\S]*--\r\n/);
      const mail = await catcher.waitFor((m) => m.envelopeTo.includes('one@example.org'));
      expect(mail.parsed.text).toBe(text);
    } finally {
      mailer.close();
    }
  });

  it('a message larger than one write arrives whole, with its calendar invitation', async () => {
    const mailer = createMailer(url);
    try {
      const text = Array.from({ length: 3000 }, (_, i) => `Ligne ${i}: réunion au Palais d'Egmont, salle B.`).join('\n');
      const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:test@example.org', 'SUMMARY:Réunion', 'DTSTART:20270621T090000Z', 'DTEND:20270621T093000Z', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
      const writes = await writesTo(catcher.port, () => mailer.sendMail({ from: 'secretariat@example.org', to: 'big@example.org', subject: 'Long', text, html: `<pre>${text}</pre>`, icalEvent: { method: 'REQUEST', content: ics } }));
      // Above 64 KB the message is not held whole: it goes on in large pieces as they come.
      expect(writes.filter((w) => w.length > 60 * 1024).length).toBeGreaterThanOrEqual(2);
      const mail = await catcher.waitFor((m) => m.envelopeTo.includes('big@example.org'));
      expect(mail.parsed.text).toBe(text);
      expect(mail.raw).toContain('Content-Type: text/calendar; charset=utf-8; method=REQUEST');
      expect(mail.parsed.attachments.find((a) => a.contentType === 'text/calendar')?.content.toString()).toContain('SUMMARY:Réunion');
    } finally {
      mailer.close();
    }
  });
});
