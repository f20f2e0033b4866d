import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { closeContext, createContext, type AppContext } from './context.ts';
import { ensureDatabaseExists, migrateToLatest } from '../db/migrate.ts';
import { createApp } from './http/app.ts';
import { MailCatcher } from './email/mail-catcher.ts';
import { listenForCacheChanges } from './shared/process-cache.ts';

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

/** Explains a failure to reach Postgres or Redis, and how to start them. */
export function explainStartupError(error: unknown, config: Config): string {
  const e = error as { code?: string; message?: string };
  const where = (url: string) => {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}`;
  };
  if (e.code === 'ECONNREFUSED' && e.message?.includes(String(new URL(config.DATABASE_URL).port || 5432))) {
    return `Postgres is not reachable at ${where(config.DATABASE_URL)} (DATABASE_URL). Start it (e.g. \`pg_ctlcluster 15 main start\` or \`docker compose up -d postgres\`).`;
  }
  if (e.code === 'ECONNREFUSED') {
    return `A service is not reachable (${e.message}). Check that Postgres (DATABASE_URL) and Redis (REDIS_URL) are running.`;
  }
  if (e.code === '28P01' || e.code === '28000') return `Postgres refused the credentials in DATABASE_URL (${e.message}).`;
  return `Start-up failed: ${e.message ?? String(error)}`;
}

/**
 * The start of every process: the context, the database (created and migrated) and Redis, or one
 * line that says which is not reachable and how to start it, and exit 1.
 */
export async function startContextOrExit(config: Config, name: string): Promise<AppContext> {
  const ctx = createContext(config, name);
  try {
    await prepareDatabase(ctx);
    await checkRedis(ctx);
  } catch (error) {
    console.error(explainStartupError(error, config));
    await closeContext(ctx).catch(() => {});
    process.exit(1);
  }
  return ctx;
}

/** Creates the database when missing and runs the migrations. */
export async function prepareDatabase(ctx: AppContext): Promise<void> {
  await ensureDatabaseExists(ctx.config.DATABASE_URL);
  // eslint-disable-next-line no-restricted-syntax -- migrations run on the pool itself, before any service; db/migrate.ts takes the Kysely handle
  await migrateToLatest(ctx.db);
}

export async function checkRedis(ctx: AppContext): Promise<void> {
  const url = new URL(ctx.config.REDIS_URL);
  try {
    await Promise.race([ctx.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000))]);
  } catch {
    throw Object.assign(new Error(`Redis is not reachable at ${url.hostname}:${url.port || 6379} (REDIS_URL). Start it (e.g. \`redis-server --daemonize yes\` or \`docker compose up -d redis\`).`), { code: 'REDIS_DOWN' });
  }
}

export interface WebServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startWebServer(ctx: AppContext, port: number, devMailbox?: MailCatcher): Promise<WebServer> {
  const app = createApp(ctx, { devMailbox });
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => void stopListening().then(resolve));
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

export { closeContext, createContext };
