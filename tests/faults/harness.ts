import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.ts';
import { closeContext, createContext, type AppContext } from '../../src/context.ts';
import { MailCatcher } from '../../src/email/mail-catcher.ts';
import { createFileDatabase } from '../helpers/databases.ts';
import { deleteRedisPrefix, REDIS_URL } from '../helpers/environment.ts';

/**
 * Real web and worker processes on this machine's Postgres and Redis, an SMTP sink in this process,
 * and the means to break each of them.
 */
export class FaultRig {
  web: ChildProcess | null = null;
  worker: ChildProcess | null = null;
  readonly mail = new MailCatcher(100_000);
  ctx!: AppContext;
  env!: Record<string, string>;
  baseUrl = '';
  private dropDatabase!: () => Promise<void>;
  readonly prefix = `{f${randomBytes(4).toString('hex')}}`;
  readonly log: string[] = [];

  async start(): Promise<void> {
    const database = await createFileDatabase(inject('templateDatabase'));
    this.dropDatabase = database.drop;
    const smtp = await this.mail.start(0);
    const port = 20000 + Math.floor(Math.random() * 20000);
    this.baseUrl = `http://localhost:${port}`;
    this.env = {
      NODE_ENV: 'test',
      PORT: String(port),
      BASE_URL: this.baseUrl,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '8',
      REDIS_URL,
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
    await this.startWeb();
    await this.startWorker();
  }

  private spawnProcess(entry: string, args: string[] = []): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.log.push(`${entry}: ${line.slice(0, 300)}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  async startWeb(): Promise<void> {
    this.web = this.spawnProcess('src/main.ts', ['--web']);
    await waitFor(async () => (await fetch(`${this.baseUrl}/healthz`).then((r) => r.ok).catch(() => false)), 30_000, 'the web process to answer');
  }

  async startWorker(): Promise<void> {
    this.worker = this.spawnProcess('workers/main.ts');
    await new Promise((r) => setTimeout(r, 1500));
  }

  killWorker(): void {
    this.worker?.kill('SIGKILL');
    this.worker = null;
  }

  async restartWorkerAfterKill(pauseMs = 800): Promise<void> {
    this.killWorker();
    await new Promise((r) => setTimeout(r, pauseMs));
    await this.startWorker();
  }

  async stop(): Promise<void> {
    this.web?.kill('SIGTERM');
    this.worker?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    this.web?.kill('SIGKILL');
    this.worker?.kill('SIGKILL');
    await closeContext(this.ctx).catch(() => {});
    await this.mail.stop();
    await deleteRedisPrefix(this.prefix).catch(() => {});
    await this.dropDatabase().catch(() => {});
  }

  /** Every job gone, as after a flush: only this rig's keys, so nothing else on the machine is touched. */
  async flushRedis(): Promise<void> {
    await deleteRedisPrefix(this.prefix);
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
