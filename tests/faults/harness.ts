import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.ts';
import { closeContext, createContext, type AppContext } from '../../src/context.ts';
import { MailCatcher } from '../../src/email/mail-catcher.ts';
import { createFileDatabase } from '../helpers/databases.ts';
import { deleteRedisPrefix, REDIS_URL } from '../helpers/environment.ts';
import { removeRedisKeys } from '../../src/queue/redis.ts';

export interface RigOptions {
  /** Web processes, each on a port of its own as behind a load balancer (default 1). */
  webs?: number;
  /** Worker processes (default 1). */
  workers?: number;
  /** A Redis Cluster's nodes (REDIS_CLUSTER_NODES) instead of the machine's Redis. */
  redisClusterNodes?: string;
}

/**
 * Real web and worker processes on this machine's Postgres and Redis (or a Redis Cluster), an SMTP
 * sink in this process, and the means to break each of them.
 */
export class FaultRig {
  webs: ChildProcess[] = [];
  /** The worker processes by index; a killed one is null until it is started again. */
  workers: Array<ChildProcess | null> = [];
  readonly mail = new MailCatcher(100_000);
  ctx!: AppContext;
  env!: Record<string, string>;
  /** Each web process's address; BASE_URL (the links in emails) is the first. */
  baseUrls: string[] = [];
  private dropDatabase!: () => Promise<void>;
  readonly prefix = `{f${randomBytes(4).toString('hex')}}`;
  readonly log: string[] = [];
  /** When each worker was killed (Date.now()): a message accepted just before is the documented duplicate. */
  readonly kills: number[] = [];
  /** What the faults saw as they struck (how many requests were open, emails unsent), for the results table. */
  readonly notes: string[] = [];

  constructor(private readonly options: RigOptions = {}) {}

  get baseUrl(): string {
    return this.baseUrls[0]!;
  }

  get web(): ChildProcess | null {
    return this.webs[0] ?? null;
  }

  async start(): Promise<void> {
    const database = await createFileDatabase(inject('templateDatabase'));
    this.dropDatabase = database.drop;
    const smtp = await this.mail.start(0);
    const port = 20000 + Math.floor(Math.random() * 20000);
    this.baseUrls = Array.from({ length: this.options.webs ?? 1 }, (_, i) => `http://localhost:${port + i}`);
    this.env = {
      NODE_ENV: 'test',
      PORT: String(port),
      BASE_URL: this.baseUrl,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '8',
      REDIS_URL,
      ...(this.options.redisClusterNodes ? { REDIS_CLUSTER_NODES: this.options.redisClusterNodes } : {}),
      REDIS_PREFIX: this.prefix,
      SMTP_URL: smtp,
      SMTP_TIMEOUT_SECONDS: '3',
      SWEEP_INTERVAL_SECONDS: '3',
      EMAIL_RATE_PER_SECOND: '500',
      // Confirmations wait 5 s for the person's next ones (120 by default): the batches go through the faults too, and the scenario settles.
      CONFIRMATION_BATCH_SECONDS: '5',
      ORGANIZER_EMAILS: 'secretariat@gfmd.test',
      LOG_LEVEL: 'warn',
    };
    this.ctx = createContext(loadConfig(this.env), 'fault-rig');
    for (let i = 0; i < this.baseUrls.length; i++) await this.startWeb(i);
    for (let i = 0; i < (this.options.workers ?? 1); i++) await this.startWorker(i);
  }

  private spawnProcess(entry: string, args: string[] = [], env: Record<string, string> = {}, label = entry): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.log.push(`${label}: ${line.slice(0, 300)}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  async startWeb(index = 0): Promise<void> {
    const url = this.baseUrls[index]!;
    this.webs[index] = this.spawnProcess('src/main.ts', ['--web'], { PORT: new URL(url).port }, `web ${index + 1}`);
    await waitFor(async () => (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)), 30_000, `web process ${index + 1} to answer`);
  }

  async startWorker(index = 0): Promise<void> {
    this.workers[index] = this.spawnProcess('workers/main.ts', [], {}, `worker ${index + 1}`);
    await new Promise((r) => setTimeout(r, 1500));
  }

  killWorker(index = 0): void {
    if (this.workers[index]) this.kills.push(Date.now());
    this.workers[index]?.kill('SIGKILL');
    this.workers[index] = null;
  }

  async restartWorkerAfterKill(pauseMs = 800, index = 0): Promise<void> {
    this.killWorker(index);
    await new Promise((r) => setTimeout(r, pauseMs));
    await this.startWorker(index);
  }

  async stop(): Promise<void> {
    const children = [...this.webs, ...this.workers].filter((c): c is ChildProcess => c !== null);
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const child of children) child.kill('SIGKILL');
    await this.flushRedis().catch(() => {});
    await closeContext(this.ctx).catch(() => {});
    await this.mail.stop();
    await this.dropDatabase().catch(() => {});
  }

  /**
   * Kills the worker process whose connection is in a transaction that has written to `table` (its
   * pool names the process: `forum-marketplace worker <pid>`, db/database.ts), waiting up to
   * `timeoutMs` for one. Returns its index, or -1 when none was seen.
   */
  async killWorkerWriting(table: 'requests' | 'outbox', timeoutMs = 3000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      // A transaction that wrote to the table holds its RowExclusiveLock until it ends.
      const { rows } = await sql<{ application_name: string }>`
        SELECT DISTINCT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'relation' AND l.relation = ${table}::regclass AND l.mode = 'RowExclusiveLock' AND l.granted
          AND a.application_name LIKE 'forum-marketplace worker %'`.execute(this.ctx.db);
      for (const row of rows) {
        const pid = Number(row.application_name.split(' ').pop());
        const index = this.workers.findIndex((w) => w?.pid === pid);
        if (index >= 0) {
          this.killWorker(index);
          return index;
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return -1;
  }

  /** Every job gone, as after a flush: only this rig's keys, so nothing else on the machine is touched. */
  async flushRedis(): Promise<void> {
    if (this.ctx.redis) await removeRedisKeys(this.ctx.redis, `${this.prefix}*`);
    else await deleteRedisPrefix(this.prefix);
  }

  async terminateBackends(): Promise<number> {
    const name = new URL(this.env.DATABASE_URL!).pathname.slice(1);
    const admin = createContext(loadConfig({ ...this.env, DATABASE_URL: this.env.DATABASE_URL!.replace(/\/[^/]+$/, '/postgres') }), 'admin');
    const { rows } = await sql<{ n: number }>`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = ${name} AND pid <> pg_backend_pid()`.execute(admin.db);
    await closeContext(admin);
    return rows[0]?.n ?? 0;
  }
}

export function restartRedis(): void {
  try {
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
  } catch {
    // shutdown closes the connection: redis-cli reports an error
  }
}

export function startRedis(): void {
  execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

export function restartPostgres(): void {
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore' });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
