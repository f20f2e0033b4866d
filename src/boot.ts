import cluster from 'node:cluster';
import http from 'node:http';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { closeContext, createContext, type AppContext } from './context.ts';
import { ensureDatabaseExists, migrateToLatest } from '../db/migrate.ts';
import type { MailCatcher } from './email/mail-catcher.ts';
import { listenForCacheChanges } from './shared/process-cache.ts';
import { resolveServices, withoutPassword, type ResolveOptions, type Services } from './platform/services.ts';
import { EmbeddedPostgresError } from './platform/embedded-postgres.ts';
import { describeRedis } from './queue/redis.ts';

/** Reads the configuration or stops the process with one line that names the bad variable. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * V8's heap growth (HEAP_GROWING_PERCENT), for the process's own heap and its threads': V8 reads the
 * factor at each full collection, so setting it at the start of a long-running process takes effect.
 */
export function applyHeapSettings(config: Config): void {
  if (config.HEAP_GROWING_PERCENT > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWING_PERCENT}`);
}

/** Explains a failure to reach Postgres or Redis, and how to start them. The URL is named, never its password. */
export function explainStartupError(error: unknown, config: Config): string {
  const e = error as { code?: string; message?: string };
  if (error instanceof EmbeddedPostgresError) return error.message;
  if (e.code === 'REDIS_DOWN') return e.message!;
  if (e.code === '28P01' || e.code === '28000') return `Postgres refused the credentials in DATABASE_URL (${e.message}).`;
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'ETIMEDOUT' || /timeout|terminated/i.test(e.message ?? '')) {
    return explainDatabaseDown(config);
  }
  return `Start-up failed: ${e.message ?? String(error)}`;
}

function explainDatabaseDown(config: Config): string {
  const url = new URL(config.DATABASE_URL);
  const where = `${url.hostname}:${url.port || 5432}`;
  if (config.embeddedPostgres) return `The embedded Postgres (${config.embeddedPostgres.dir}, port ${config.embeddedPostgres.port}) stopped answering. See ${config.embeddedPostgres.dir}.log.`;
  if (config.given.DATABASE_URL) return `Postgres is not reachable at ${where} (DATABASE_URL=${withoutPassword(config.DATABASE_URL)}). Start it, or correct DATABASE_URL.`;
  return `Postgres is not reachable at ${where}. Start it (e.g. \`pg_ctlcluster 15 main start\` or \`docker compose up -d postgres\`), set DATABASE_URL, or leave nothing at ${where} for an embedded Postgres.`;
}

/**
 * Chooses the Postgres and the queue backend (src/platform/services.ts), starting the embedded
 * Postgres when that is the choice; or one line that says what failed, and exit 1.
 */
export async function resolveServicesOrExit(config: Config, options: ResolveOptions = {}): Promise<Services> {
  try {
    return await resolveServices(config, { say: (line) => console.log(line), ...options });
  } catch (error) {
    console.error(explainStartupError(error, config));
    process.exit(1);
  }
}

export interface StartOptions extends ResolveOptions {
  /** Services a caller resolved already (the demo, to name its own database first). */
  services?: Services;
}

/**
 * The start of every process: the services chosen and named in its first line, the context, the
 * database (created and migrated) and the queues, or one line that says which is not reachable and
 * how to start it, and exit 1. The embedded Postgres, when this process started it, stops with the
 * context (closeContext).
 */
export async function startContextOrExit(config: Config, name: string, options: StartOptions = {}): Promise<AppContext> {
  applyHeapSettings(config);
  const services = options.services ?? (await resolveServicesOrExit(config, options));
  // A web process of `npm run web` inherits its primary's choice; the primary has said it.
  if (!options.services && !cluster.isWorker) console.log(services.summary);
  const ctx = createContext(services.config, name);
  ctx.embedded = services.embedded;
  try {
    // Redis first: a start that cannot run its jobs stops before it migrates anything.
    if (ctx.config.queueBackend === 'redis') await checkRedis(ctx);
    await prepareDatabase(ctx);
  } catch (error) {
    console.error(explainStartupError(error, ctx.config));
    await closeContext(ctx).catch(() => {});
    process.exit(1);
  }
  return ctx;
}

/** Creates the database when missing and runs the migrations (the app's, and the queue backend's on Postgres). */
export async function prepareDatabase(ctx: AppContext): Promise<void> {
  await ensureDatabaseExists(ctx.config.DATABASE_URL);
  // eslint-disable-next-line no-restricted-syntax -- migrations run on the pool itself, before any service; db/migrate.ts takes the Kysely handle
  await migrateToLatest(ctx.db);
  await ctx.queues.prepare();
}

export async function checkRedis(ctx: AppContext): Promise<void> {
  try {
    await Promise.race([ctx.queues.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000))]);
  } catch {
    if (ctx.config.REDIS_CLUSTER_NODES) {
      throw Object.assign(new Error(`The Redis Cluster is not reachable (REDIS_CLUSTER_NODES=${describeRedis(ctx.config).replace('Redis Cluster ', '')}). Check that its nodes answer and the cluster is up, correct REDIS_CLUSTER_NODES, or set QUEUE_BACKEND=postgres.`), { code: 'REDIS_DOWN' });
    }
    const url = new URL(ctx.config.REDIS_URL);
    const hint = ctx.config.given.REDIS_URL ? 'Start it, correct REDIS_URL, or set QUEUE_BACKEND=postgres' : 'Start it (e.g. `redis-server --daemonize yes`), or set QUEUE_BACKEND=postgres';
    throw Object.assign(new Error(`Redis is not reachable at ${url.hostname}:${url.port || 6379} (REDIS_URL=${withoutPassword(ctx.config.REDIS_URL)}). ${hint}.`), { code: 'REDIS_DOWN' });
  }
}

export interface WebServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startWebServer(ctx: AppContext, port: number, devMailbox?: MailCatcher): Promise<WebServer> {
  const lifecycle = { draining: false };
  // Imported here, not at the top: a worker process uses this module but serves no pages.
  const { createApp } = await import('./http/app.ts');
  const app = createApp(ctx, { devMailbox, lifecycle });
  const stopListening = await listenForCacheChanges(ctx);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://localhost:${address.port}`,
    close: async () => {
      // Draining: the health routes say so and the balancer stops sending; what comes meanwhile is served.
      lifecycle.draining = true;
      if (ctx.config.SHUTDOWN_DRAIN_SECONDS > 0) await new Promise((resolve) => setTimeout(resolve, ctx.config.SHUTDOWN_DRAIN_SECONDS * 1000));
      return new Promise<void>((resolve) => {
        server.close(() => void stopListening().then(resolve));
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
    },
  };
}

export { closeContext, createContext };
