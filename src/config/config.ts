import { isIP } from 'node:net';
import { z } from 'zod';

/** Every setting the service reads, with the default that works on a developer machine. */
const emailList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter((email) => email.length > 0),
  )
  .pipe(z.array(z.string().email('must be a comma-separated list of email addresses')));

const url = (protocols: string[]) =>
  z
    .string()
    .url('must be a URL')
    .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

/** `DATABASE_URL= npm run demo` means unset, as in a .env file with the line left empty. */
const unsetWhenEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535').default(3000),
  BASE_URL: url(['http', 'https']).default('http://localhost:3000'),
  // Unset outside production: the Postgres at the default address, or an embedded one (src/platform/services.ts).
  DATABASE_URL: unsetWhenEmpty(url(['postgres', 'postgresql']).optional()),
  DATABASE_POOL_SIZE: z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(10),
  // Unset: the Redis at the default address, or the queues on Postgres when none answers.
  REDIS_URL: unsetWhenEmpty(url(['redis', 'rediss']).optional()),
  // A Redis Cluster instead of REDIS_URL: its nodes (a few are enough, the rest are discovered), as
  // host:port, or redis://[user:password@]host:port (rediss:// for TLS), comma-separated. Credentials and
  // TLS are the first node's, for every node.
  REDIS_CLUSTER_NODES: unsetWhenEmpty(
    z
      .string()
      .optional()
      .transform((value, context): string[] | undefined => {
        if (value === undefined) return undefined;
        const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
        const nodes = entries.map(clusterNode);
        if (entries.length === 0 || nodes.some((n) => n === null)) {
          context.addIssue({ code: 'custom', message: 'must be the cluster\'s nodes as host:port (or redis://host:port, rediss:// for TLS), comma-separated, e.g. 10.0.0.1:6379,10.0.0.2:6379' });
          return z.NEVER;
        }
        return nodes as string[];
      }),
  ),
  QUEUE_BACKEND: unsetWhenEmpty(z.enum(['redis', 'postgres'], { error: 'must be redis or postgres' }).optional()),
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a Redis hash tag such as {fm}')
    .default('{fm}'),
  SMTP_URL: z.union([url(['smtp', 'smtps']), z.literal('')]).default(''),
  MAIL_FROM: z.string().min(3).default('Forum Marketplace <marketplace@localhost>'),
  SMTP_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(600).default(30),
  SWEEP_INTERVAL_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(3600).default(30),
  PUBLIC_CACHE_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(0).max(300).default(30),
  WEB_PROCESSES: z.coerce.number({ error: 'must be a number' }).int().min(1).max(64).default(1),
  WORKER_HEALTH_PORT: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535').default(0),
  SESSION_CACHE_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(0).max(60).default(10),
  // How long a matching run may solve: it then stores the best schedule found, with its gap. A re-run after
  // a decline or an unavailability keeps most meetings and should answer within seconds.
  MATCHING_TIME_LIMIT_SECONDS: z.coerce.number({ error: 'must be a number' }).min(0.5, 'must be at least 0.5').max(3600).default(10),
  MATCHING_RERUN_TIME_LIMIT_SECONDS: z.coerce.number({ error: 'must be a number' }).min(0.5, 'must be at least 0.5').max(3600).default(2),
  DECLINE_RERUN_DELAY_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(0).max(3600).default(120),
  // Confirmations to one person within this many seconds go out as one email, and so do a person's
  // side-meeting changes (0: each at once).
  CONFIRMATION_BATCH_SECONDS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0-3600').max(3600, 'must be 0-3600').default(120),
  EMAIL_RATE_PER_SECOND: z.coerce.number({ error: 'must be a number' }).int().min(1).max(10000).default(50),
  // After each full garbage collection V8 lets the heap grow to its live size times (1 + this/100) before
  // the next (0: V8's own factor, up to 4x). Under load V8's own factor let a web process reach 3.5x the
  // memory of a bare server for garbage it had not collected yet; 20 keeps it near its live data (BENCHMARKS.md).
  HEAP_GROWING_PERCENT: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0-400').max(400, 'must be 0-400').default(20),
  ORGANIZER_EMAILS: emailList,
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // On SIGTERM a web process answers 503 "draining" on /healthz and /readyz and keeps serving this long
  // before it stops taking connections: long enough for the balancer's health check to notice.
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0-120').max(120, 'must be 0-120').default(0),
  // When set, /metrics asks for `Authorization: Bearer <token>`.
  METRICS_TOKEN: unsetWhenEmpty(z.string().min(16, 'must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces').optional()),
  // Which proxies' X-Forwarded-For to believe (client addresses for the sign-in limits): false; a number
  // of hops (1: the load balancer in front); addresses or subnets of the proxies, comma-separated (with
  // express's names loopback, linklocal, uniquelocal); or true, every hop: only behind a proxy that
  // replaces the header rather than appending to it.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, context): boolean | number | string[] => {
      const v = value.trim();
      if (v === 'true' || v === 'false') return v === 'true';
      if (/^\d+$/.test(v)) {
        const hops = Number(v);
        if (hops >= 1 && hops <= 10) return hops;
      } else {
        const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
        const proxy = (e: string) => ['loopback', 'linklocal', 'uniquelocal'].includes(e) || (isIP(e.split('/')[0]!) !== 0 && /^[^/]+(\/\d{1,3})?$/.test(e));
        if (entries.length > 0 && entries.every(proxy)) return entries;
      }
      context.addIssue({ code: 'custom', message: 'must be true, false, a number of proxy hops (1-10), or the proxies\' addresses or subnets, comma-separated' });
      return z.NEVER;
    }),
  DEMO_MODE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * One node of REDIS_CLUSTER_NODES as a URL (`redis://host:port`, with its credentials and scheme if
 * written as a URL), or null when it is not one: a port is required, and nothing after it.
 */
function clusterNode(entry: string): string | null {
  const written = /^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`;
  let parsed: URL;
  try {
    parsed = new URL(written);
  } catch {
    return null;
  }
  const port = Number(parsed.port);
  if (!parsed.hostname || !parsed.port || port < 1 || port > 65535 || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search || parsed.hash) return null;
  return `${parsed.protocol}//${parsed.username || parsed.password ? `${parsed.username}:${parsed.password}@` : ''}${parsed.host}`;
}

/** Where Postgres and Redis are looked for when their URL is not set. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/forum_marketplace';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export type QueueBackend = 'redis' | 'postgres';

export type Config = Omit<z.infer<typeof configSchema>, 'DATABASE_URL' | 'REDIS_URL'> & {
  DATABASE_URL: string;
  REDIS_URL: string;
  SESSION_SECRET: string;
  devMailbox: boolean;
  /** Which of the two URLs the environment set: an unset one may be replaced when nothing answers there. */
  given: { DATABASE_URL: boolean; REDIS_URL: boolean };
  /** Where the jobs, rate limits and cache announcements go. Until `resolveServices` runs, QUEUE_BACKEND or Redis. */
  queueBackend: QueueBackend;
  /** Set by `resolveServices` when this process's Postgres is the embedded one. */
  embeddedPostgres?: { dir: string; port: number };
};

export class ConfigError extends Error {}

/** Parses the environment; a bad value throws one line that names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Configuration error: ${String(issue.path[0])} ${issue.message}`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production' && !config.SESSION_SECRET) {
    throw new ConfigError('Configuration error: SESSION_SECRET is required in production (at least 32 characters)');
  }
  if (config.NODE_ENV === 'production' && config.DEMO_MODE) {
    throw new ConfigError('Configuration error: DEMO_MODE must not be true in production (it signs people in without email)');
  }
  if (config.NODE_ENV === 'production' && !config.SMTP_URL) {
    throw new ConfigError('Configuration error: SMTP_URL is required in production');
  }
  if (config.NODE_ENV === 'production' && !config.DATABASE_URL) {
    throw new ConfigError('Configuration error: DATABASE_URL is required in production (an embedded database is for development, the demo and the tests)');
  }
  if (config.NODE_ENV === 'production' && !config.REDIS_URL && !config.REDIS_CLUSTER_NODES && !config.QUEUE_BACKEND) {
    throw new ConfigError('Configuration error: REDIS_URL (or REDIS_CLUSTER_NODES) is required in production, or QUEUE_BACKEND=postgres to keep the queues in Postgres');
  }
  return {
    ...config,
    DATABASE_URL: config.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    REDIS_URL: config.REDIS_URL ?? DEFAULT_REDIS_URL,
    // A cluster's nodes are a Redis the environment named, as REDIS_URL is.
    given: { DATABASE_URL: config.DATABASE_URL !== undefined, REDIS_URL: config.REDIS_URL !== undefined || config.REDIS_CLUSTER_NODES !== undefined },
    queueBackend: config.QUEUE_BACKEND ?? 'redis',
    // Outside production a fixed development secret keeps sessions valid across restarts.
    SESSION_SECRET: config.SESSION_SECRET ?? 'development-only-secret-change-me-in-production!',
    // Without SMTP_URL outside production, mail goes to an in-process mailbox shown at /dev/mail.
    devMailbox: !config.SMTP_URL,
  };
}
