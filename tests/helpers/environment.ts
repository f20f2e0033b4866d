import { createRedis, removeRedisKeys } from '../../src/queue/redis.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { closeContext, createContext, type AppContext } from '../../src/context.ts';
import { checkRedis, startWebServer, type WebServer } from '../../src/boot.ts';
import { MailCatcher } from '../../src/email/mail-catcher.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { startWorkers, type RunningWorkers } from '../../workers/workers.ts';
import { createFileDatabase } from './databases.ts';
import { castMember, createTestMarketplace, type CastName, type TestPerson } from './factories.ts';
import { apiClient, PageClient } from './http.ts';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
/** A Redis Cluster's nodes, when the run uses one (TEST_REDIS_CLUSTER, tests/helpers/redis-cluster.ts): it replaces REDIS_URL. */
export const REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

/** The variables that name this run's Redis, for a child process of a test. */
export function redisEnvironment(config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX'>): Record<string, string> {
  return { REDIS_URL: config.REDIS_URL, REDIS_PREFIX: config.REDIS_PREFIX, ...(REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}) };
}

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
    REDIS_CLUSTER_NODES,
    REDIS_PREFIX: prefix,
    // Set by the global setup when no Redis answers, or by the caller (`.ci/run` runs the suite on both).
    QUEUE_BACKEND: process.env.QUEUE_BACKEND,
    SMTP_URL: smtpUrl,
    BASE_URL: 'http://localhost:3000',
    ORGANIZER_EMAILS: (options.organizers ?? ['secretariat@gfmd.test']).join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    EMAIL_RATE_PER_SECOND: '1000',
    // A decline's re-run starts at once in tests (120 s by default, so a party can take the decline back).
    DECLINE_RERUN_DELAY_SECONDS: '0',
    // Confirmations go at once in tests (120 s by default); tests/integration/confirmation-batches.test.ts sets a window.
    CONFIRMATION_BATCH_SECONDS: '0',
    ...options.env,
  });
  const ctx = createContext(config, 'test');
  // As a process's start does (startContextOrExit): the queues' first commands wait for Redis. A
  // cluster's producer connection reports 'connect' before it knows the slots, BullMQ takes that for
  // ready, and a queue made then fails its first command (the producer queues nothing while it
  // connects): the workers' start failed so once in CI's Redis Cluster step.
  if (config.queueBackend === 'redis') await checkRedis(ctx);
  const web = await startWebServer(ctx, 0, options.devMailbox ? mail : undefined);
  // Links in emails point at this server.
  const baseUrl = web.url;
  (ctx.config as { BASE_URL: string }).BASE_URL = baseUrl;
  const mailer = createMailer(smtpUrl);
  // No daily digest job: a test that sends digests calls sendDigests itself, and the 06:00 UTC run would race it.
  const workers = options.workers === false ? null : await startWorkers(ctx, { mailer, sweepEveryMs: 1000, digests: false });
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
  const redis = createRedis(loadConfig({ REDIS_URL, REDIS_CLUSTER_NODES }), 'commands');
  try {
    await removeRedisKeys(redis, `${prefix}*`);
  } finally {
    redis.disconnect();
  }
}

export interface UseTestEnvironmentOptions<C extends CastName> extends TestEnvironmentOptions {
  /** The recurring people (the cast in factories.ts) the tests meet, each signed in for the API and the pages. */
  cast?: readonly C[];
  /** Creates the 2007 Brussels marketplace (createTestMarketplace), with these fields changed if given; its organizer is made too. */
  marketplace?: boolean | Record<string, unknown>;
}

/** What useTestEnvironment hands a file; read it inside tests and later hooks, once its beforeAll ran. */
export interface TestHandle<C extends CastName> {
  readonly env: TestEnvironment;
  readonly api: ReturnType<typeof apiClient>;
  readonly people: { readonly [K in C]: TestPerson };
  /** A new page client signed in as this person each time it is read, so no test inherits another's cookies. */
  readonly pages: { readonly [K in C]: PageClient };
  /** The marketplace made with `marketplace` (slug gfmd-2007 unless changed). */
  readonly marketplace: Awaited<ReturnType<typeof createTestMarketplace>>;
  /** A new page client signed in as a person made in a test; `headers` go with every request (e.g. accept-language). */
  pageAs(person: TestPerson, headers?: Record<string, string>): PageClient;
  /** A new page client of a visitor who is not signed in. */
  anonymousPage(headers?: Record<string, string>): PageClient;
}

/**
 * The setup every test file needs, in one call at the top of the file (or of a describe, for tests
 * that need other settings, e.g. `workers: false`): it registers the beforeAll that starts the
 * environment, makes the cast and the marketplace, and the afterAll that closes it. After each test
 * the SMTP server accepts again without delay, so a test that made it refuse leaves nothing behind.
 *
 *   const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo'], marketplace: true });
 *   it('...', async () => { await t.api('GET', '/api/v1/me', { token: t.people.ilo.token }); });
 */
export function useTestEnvironment<const C extends CastName = never>(options: UseTestEnvironmentOptions<C> = {}): TestHandle<C> {
  const { cast = [], marketplace, ...environmentOptions } = options;
  let env: TestEnvironment | null = null;
  let made: { api: ReturnType<typeof apiClient>; people: Map<CastName, TestPerson>; marketplace: TestHandle<C>['marketplace'] | null } | null = null;
  const ready = () => {
    if (!env || !made) throw new Error('useTestEnvironment: the environment is there only inside tests and hooks that run after its beforeAll');
    return { env, ...made };
  };

  beforeAll(async () => {
    env = await startTestEnvironment(environmentOptions);
    const people = new Map<CastName, TestPerson>();
    const names: CastName[] = marketplace && !cast.includes('organizer' as C) ? [...cast, 'organizer'] : [...cast];
    for (const name of names) people.set(name, await castMember(env.ctx, name));
    const created = marketplace ? await createTestMarketplace(env.ctx, people.get('organizer')!, marketplace === true ? {} : marketplace) : null;
    made = { api: apiClient(env.baseUrl), people, marketplace: created };
  });
  afterEach(() => {
    if (!env) return;
    env.mail.failWith = null;
    env.mail.delayMs = 0;
  });
  afterAll(async () => {
    const closing = env;
    env = null;
    made = null;
    await closing?.close();
  });

  const pageAs = (person: TestPerson, headers: Record<string, string> = {}) => {
    const page = new PageClient(ready().env.baseUrl, headers);
    page.setCookie('fm_session', person.browserToken);
    return page;
  };
  const people = {} as { [K in C]: TestPerson };
  const pages = {} as { [K in C]: PageClient };
  for (const name of cast) {
    Object.defineProperty(people, name, { enumerable: true, get: () => ready().people.get(name)! });
    Object.defineProperty(pages, name, { enumerable: true, get: () => pageAs(ready().people.get(name)!) });
  }
  return {
    get env() {
      return ready().env;
    },
    get api() {
      return ready().api;
    },
    people,
    pages,
    get marketplace() {
      const found = ready().marketplace;
      if (!found) throw new Error('useTestEnvironment: no marketplace was asked for (marketplace: true)');
      return found;
    },
    pageAs,
    anonymousPage: (headers = {}) => new PageClient(ready().env.baseUrl, headers),
  };
}
