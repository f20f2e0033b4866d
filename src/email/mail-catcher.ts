import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface CaughtMail {
  id: number;
  receivedAt: Date;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server in this process that keeps what it receives: the development mailbox behind
 * /dev/mail, and the SMTP server the tests read. `failWith` makes it answer with an SMTP error, to
 * rehearse a provider that refuses for a while.
 */
export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  /** The error to answer with; with `to`, only for messages to that address. */
  failWith: { code: number; message: string; to?: string } | null = null;
  /** Answers each message only after this delay, to rehearse a slow or timing-out server. */
  delayMs = 0;
  /** Answers the messages to `to` only after `ms` (a slow mailbox among quick ones). */
  slowFor: { to: string; ms: number } | null = null;
  private server: SMTPServer;
  private nextId = 1;
  private waiters = new Set<() => void>();
  port = 0;

  constructor(private readonly keep = 1000) {
    this.server = this.createServer();
  }

  private createServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 25 * 1024 * 1024,
      closeTimeout: 1000,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
          const slow = this.slowFor;
          if (slow && session.envelope.rcptTo.some((r) => r.address === slow.to)) await new Promise((resolve) => setTimeout(resolve, slow.ms));
          const fail = this.failWith;
          if (fail && (!fail.to || session.envelope.rcptTo.some((r) => r.address === fail.to))) {
            const error = new Error(fail.message) as Error & { responseCode: number };
            error.responseCode = fail.code;
            return callback(error);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push({ id: this.nextId++, receivedAt: new Date(), envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
              if (this.messages.length > this.keep) this.messages.shift();
              for (const wake of this.waiters) wake();
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    server.on('error', () => {});
    return server;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Stops listening (connections are refused) until `resume`, which listens on the same port again. */
  async refuseConnections(): Promise<void> {
    await this.stop();
  }

  async resume(): Promise<void> {
    this.server = this.createServer();
    await this.start(this.port);
  }

  to(address: string): CaughtMail[] {
    return this.messages.filter((m) => m.envelopeTo.includes(address.toLowerCase()));
  }

  /** Waits until a message matches, or fails after the timeout with what did arrive. */
  async waitFor(match: (mail: CaughtMail) => boolean, timeoutMs = 15_000): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching email within ${timeoutMs} ms; received: ${this.messages.map((m) => `${m.envelopeTo.join(',')}: ${m.parsed.subject}`).join(' | ') || 'none'}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        this.waiters.add(wake);
      });
    }
  }
}
