/**
 * A local SMTP sink that only counts what it accepts. The tests' MailCatcher parses every message
 * with mailparser, which at thousands of messages a second costs more CPU than the sender being
 * measured (see BENCHMARKS.md), so the email row uses this one. A real SMTP server still: every
 * message goes through MAIL FROM, RCPT TO and DATA, and its body is read to the end.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { MailCatcher } from '../src/email/mail-catcher.ts';

export interface SmtpSink {
  readonly count: number;
  start(): Promise<string>;
  reset(): void;
  waitForCount(n: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

async function waitUntil(sink: SmtpSink, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sink.count < n) {
    if (Date.now() > deadline) throw new Error(`the SMTP sink received ${sink.count} of ${n} messages within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The tests' MailCatcher (parses every message), for comparing sinks: BENCH_SINK=mailcatcher. */
export class ParsingSmtpSink implements SmtpSink {
  private readonly catcher = new MailCatcher(Number.MAX_SAFE_INTEGER);
  get count(): number {
    return this.catcher.messages.length;
  }
  start(): Promise<string> {
    return this.catcher.start(0);
  }
  reset(): void {
    this.catcher.messages.length = 0;
  }
  waitForCount(n: number, timeoutMs: number): Promise<void> {
    return waitUntil(this, n, timeoutMs);
  }
  stop(): Promise<void> {
    return this.catcher.stop();
  }
}

export class CountingSmtpSink implements SmtpSink {
  count = 0;
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 25 * 1024 * 1024,
      closeTimeout: 1000,
      onData: (stream, _session, callback) => {
        // Read and dropped: the sink counts messages, it does not parse them.
        stream.resume();
        stream.on('end', () => {
          this.count++;
          callback();
        });
      },
    });
    this.server.on('error', () => {});
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.count = 0;
  }

  /** Resolves when `n` messages arrived (counted since the last reset), or rejects after the timeout. */
  waitForCount(n: number, timeoutMs: number): Promise<void> {
    return waitUntil(this, n, timeoutMs);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
