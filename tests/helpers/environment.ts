import { removeRedisKeys } from '../../src/shared/redis-keys.ts';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { closeContext, createContext, type AppContext } from '../../src/context.ts';
import { startWebServer, type WebServer } from '../../src/boot.ts';
import { MailCatcher } from '../../src/email/mail-catcher.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { startWorkers, type RunningWorkers } from '../../workers/workers.ts';
import { createFileDatabase } from './databases.ts';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;

export interface TestEnvironment {
  ctx: AppContext;
  config: Config;
  baseUrl: string;
  mail: MailCatcher;
  web: WebServer;
  workers: RunningWorkers | null;
  close(): Promise<void>;
}

export interface TestEnvironmentOptions {
  organizers?: string[];
  /** Start the BullMQ workers in this process (default true). */
  workers?: boolean;
  env?: Record<string, string>;
  /** Serve the SMTP server's messages at /dev/mail, as `npm start` does in development. */
  devMailbox?: boolean;
}

/**
 * Everything real for one test file: its own database (cloned from the migrated template; on the
 * Postgres queue backend its jobs live there too), its own Redis key prefix, an in-process SMTP server, the web server on a free port and the workers.
 */
export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const database = await createFileDatabase(inject('templateDatabase'));
  const mail = new MailCatcher();
  const smtpUrl = await mail.start(0);
  const prefix = `{t${randomBytes(5).toString('hex')}}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    // Set by the global setup when no Redis answers, or by the caller (`.ci/run` runs the suite on both).
    QUEUE_BACKEND: process.env.QUEUE_BACKEND,
    SMTP_URL: smtpUrl,
    BASE_URL: 'http://localhost:3000',
    ORGANIZER_EMAILS: (options.organizers ?? ['secretariat@gfmd.test']).join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    EMAIL_RATE_PER_SECOND: '1000',
    ...options.env,
  });
  const ctx = createContext(config, 'test');
  const web = await startWebServer(ctx, 0, options.devMailbox ? mail : undefined);
  // Links in emails point at this server.
  const baseUrl = web.url;
  (ctx.config as { BASE_URL: string }).BASE_URL = baseUrl;
  const mailer = createMailer(smtpUrl);
  const workers = options.workers === false ? null : await startWorkers(ctx, { mailer, sweepEveryMs: 1000 });
  return {
    ctx,
    config,
    baseUrl,
    mail,
    web,
    workers,
    async close() {
      await web.close();
      await workers?.close(5000);
      mailer.close();
      await closeContext(ctx);
      await mail.stop();
      if (config.queueBackend === 'redis') await deleteRedisPrefix(prefix);
      await database.drop();
    },
  };
}

/** Deletes every key of a test's Redis prefix. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await removeRedisKeys(redis, `${prefix}*`);
  } finally {
    redis.disconnect();
  }
}
