/**
 * One benchmark phase: its own database (fm_bench_<run>_<phase>), its own Redis key prefix
 * ({fmbench-<run>-<phase>}), a context for seeding from this process, and the app's processes
 * started with the phase's environment. Everything it starts it stops; the run drops the
 * databases and the keys at the end.
 */
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { closeContext, createContext, type AppContext } from '../src/context.ts';
import { prepareDatabase } from '../src/boot.ts';
import { forkHelper, freePort, startProcess, waitForHttp, waitForLog, workerNodeFlags, type Started } from './processes.ts';
import { ORGANIZER_EMAIL } from './seed.ts';
import { removeRedisKeys } from '../src/queue/redis.ts';

export interface RunSettings {
  runId: string;
  adminUrl: string;
  redisUrl: string;
  artifacts: string;
  smtpUrl: string;
  sessionSecret: string;
  cpuProfile: boolean;
  seconds: number;
  connections: number;
  rounds: number;
}

/** Peak RSS of each process the run started, by the row it served. */
export interface MemoryRecord {
  row: string;
  process: string;
  role: 'app-web' | 'app-web-cluster' | 'app-worker' | 'baseline' | 'optimizer';
  peakBytes: number;
}

export { removeRedisKeys };

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export class Phase {
  /** Phases not closed yet, for a run interrupted by a signal. */
  static readonly unclosed = new Set<Phase>();
  readonly database: string;
  readonly prefix: string;
  readonly ctx: AppContext;
  readonly env: Record<string, string>;
  private readonly started: Started[] = [];

  private constructor(
    readonly name: string,
    readonly settings: RunSettings,
    readonly memory: MemoryRecord[],
    env: Record<string, string>,
    readonly webPort: number,
  ) {
    this.database = `fm_bench_${settings.runId}_${name}`;
    this.prefix = `{fmbench-${settings.runId}-${name}}`;
    this.env = {
      NODE_ENV: 'production',
      SESSION_SECRET: settings.sessionSecret,
      DATABASE_URL: databaseUrl(settings.adminUrl, this.database),
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: settings.redisUrl,
      REDIS_PREFIX: this.prefix,
      SMTP_URL: settings.smtpUrl,
      PORT: String(webPort),
      BASE_URL: `http://127.0.0.1:${webPort}`,
      ORGANIZER_EMAILS: ORGANIZER_EMAIL,
      LOG_LEVEL: 'info',
      // Only the fast paths (delayed jobs, enqueue after commit) are measured: the sweeps wait an hour.
      SWEEP_INTERVAL_SECONDS: '3600',
      // BENCH_HEAP_GROWING_PERCENT: the app's HEAP_GROWING_PERCENT, to compare heap settings (0: V8's own).
      ...(process.env.BENCH_HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: process.env.BENCH_HEAP_GROWING_PERCENT } : {}),
      ...env,
    };
    this.ctx = createContext(loadConfig({ ...this.env, LOG_LEVEL: 'warn' }), `bench-${name}`);
  }

  /** Creates and migrates the phase's database. */
  static async open(name: string, settings: RunSettings, memory: MemoryRecord[], env: Record<string, string> = {}): Promise<Phase> {
    const phase = new Phase(name, settings, memory, env, await freePort());
    Phase.unclosed.add(phase);
    await prepareDatabase(phase.ctx);
    return phase;
  }

  private nodeFlags(name: string): string[] {
    // BENCH_NODE_FLAGS: extra node flags for the app's processes (e.g. to try V8 heap settings).
    const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    return [...extra, ...(this.settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.settings.artifacts, 'profiles', `${this.name}-${name}`)}`] : [])];
  }

  async startWeb(env: Record<string, string> = {}, label = 'web'): Promise<Started> {
    const web = startProcess({ name: `${this.name}-${label}`, script: 'dist/src/main.js', compiled: true, args: ['--web'], env: { ...this.env, ...env }, logDir: this.settings.artifacts, nodeFlags: this.nodeFlags('web') });
    this.started.push(web);
    await waitForHttp(web, `http://127.0.0.1:${this.webPort}/healthz`);
    return web;
  }

  async startWorker(env: Record<string, string> = {}, label = 'worker'): Promise<Started> {
    // As the deployment starts a worker alone (docker-compose.yml, `npm run worker`): its node flags first.
    const worker = startProcess({ name: `${this.name}-${label}`, script: 'dist/workers/main.js', compiled: true, env: { ...this.env, ...env }, logDir: this.settings.artifacts, nodeFlags: [...workerNodeFlags(), ...this.nodeFlags('worker')] });
    this.started.push(worker);
    await waitForLog(worker, /worker is running/);
    return worker;
  }

  /** A bench helper (baseline) as a child process: bench/<script>. */
  fork(name: string, script: string, env: Record<string, string>) {
    const helper = forkHelper({ name: `${this.name}-${name}`, script, env, logDir: this.settings.artifacts });
    this.started.push(helper);
    return helper;
  }

  async startBaselineServer(port: number): Promise<Started> {
    const server = startProcess({
      name: `${this.name}-baseline-server`,
      script: 'bench/baseline-server.ts',
      env: { DATABASE_URL: this.env.DATABASE_URL!, DATABASE_POOL_SIZE: this.env.DATABASE_POOL_SIZE!, PORT: String(port) },
      logDir: this.settings.artifacts,
    });
    this.started.push(server);
    await waitForHttp(server, `http://127.0.0.1:${port}/healthz`);
    return server;
  }

  /** Stops a process and records its peak RSS for the memory row. */
  async stop(started: Started, row: string, role: MemoryRecord['role']): Promise<number> {
    const peakBytes = await started.stop();
    this.memory.push({ row, process: started.name, role, peakBytes });
    return peakBytes;
  }

  async databaseNow(): Promise<Date> {
    return (await sql<{ now: Date }>`SELECT now() AS now`.execute(this.ctx.db)).rows[0]!.now;
  }

  /** Stops whatever is still running, closes the context, and drops the phase's database and Redis keys. */
  async close(): Promise<void> {
    Phase.unclosed.delete(this);
    await Promise.all(this.started.map((s) => s.stop(5000).catch(() => 0)));
    if (this.ctx.redis) await removeRedisKeys(this.ctx.redis, `${this.prefix}*`).catch(() => 0);
    await closeContext(this.ctx).catch(() => {});
    const admin = new pg.Client({ connectionString: this.settings.adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}
