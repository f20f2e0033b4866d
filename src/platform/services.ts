import net from 'node:net';
import type { Config } from '../config/config.ts';
import { describeRedis } from '../queue/redis.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

/**
 * Decides, once at the start of a process, which Postgres and which queue backend it uses:
 *
 * - Postgres: DATABASE_URL when set (it must answer: startContextOrExit says so, naming it); unset,
 *   the server at the default address when one answers, else an embedded one (never in production:
 *   loadConfig requires DATABASE_URL there).
 * - Queues, rate limits and cache announcements: QUEUE_BACKEND when set; else the Redis Cluster of
 *   REDIS_CLUSTER_NODES or the Redis at REDIS_URL when set (it must answer); unset, the Redis at the
 *   default address when one answers, else Postgres.
 *
 * The rest of the code reads `config.DATABASE_URL` and `config.queueBackend` and never asks again.
 */
export interface Services {
  config: Config;
  /** The embedded server this process started, to stop last. */
  embedded: EmbeddedPostgres | null;
  /** One line naming what runs, without a password: the first line of every start. */
  summary: string;
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** The embedded server's data folder (default .data/pg). */
  embeddedDir?: string;
  disposable?: boolean;
  say?: (line: string) => void;
  /** How the emails go, for the summary (default: from SMTP_URL). */
  email?: string;
}

export async function resolveServices(config: Config, options: ResolveOptions = {}): Promise<Services> {
  let resolved: Config = { ...config };
  let embedded: EmbeddedPostgres | null = null;

  if (!config.given.DATABASE_URL && config.NODE_ENV !== 'production' && !(await answers(config.DATABASE_URL, 5432))) {
    embedded = await startEmbeddedPostgres({ dir: options.embeddedDir, disposable: options.disposable, say: options.say });
    const database = decodeURIComponent(new URL(config.DATABASE_URL).pathname.slice(1)) || 'forum_marketplace';
    resolved = { ...resolved, DATABASE_URL: embedded.url(database), embeddedPostgres: { dir: embedded.dir, port: embedded.port } };
  }

  if (config.QUEUE_BACKEND) resolved.queueBackend = config.QUEUE_BACKEND;
  else if (config.given.REDIS_URL) resolved.queueBackend = 'redis';
  else resolved.queueBackend = (await answers(config.REDIS_URL, 6379)) ? 'redis' : 'postgres';

  return {
    config: resolved,
    embedded,
    summary: describeServices(resolved, options.email),
    stop: async () => embedded?.stop(),
  };
}

/** `Postgres: embedded (.data/pg, port 55432) · queues: Postgres · email: /dev/mail`, or the URLs without their password. */
export function describeServices(config: Config, email?: string): string {
  const postgres = config.embeddedPostgres ? `embedded (${config.embeddedPostgres.dir}, port ${config.embeddedPostgres.port})` : withoutPassword(config.DATABASE_URL);
  const queues = config.queueBackend === 'postgres' ? 'Postgres' : describeRedis(config);
  const mail = email ?? (config.SMTP_URL ? withoutPassword(config.SMTP_URL) : '/dev/mail');
  return `Postgres: ${postgres} · queues: ${queues} · email: ${mail}`;
}

/** A URL as it may be printed: the user stays, the password goes. */
export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Whether something accepts a TCP connection at the URL's host and port within half a second. */
export function answers(url: string, defaultPort: number, timeoutMs = 500): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
