/**
 * The processes a benchmark run starts: the app's own web and worker (started as in production, compiled:
 * `node dist/src/main.js --web`, `node <workerNodeFlags> dist/workers/main.js`) and the bare baselines
 * in bench/. Each is sampled for its resident memory while it runs; only processes started here are
 * ever stopped, by their pid.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fs, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export { freePort } from '../tests/helpers/http.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The C library's settings that the image's last stage sets (`ENV MALLOC_…` and `GLIBC_TUNABLES` lines of
 * the Dockerfile): every process started here runs with them, the app's as in production and the
 * baselines alike, so a figure is the image's and a ratio compares the same runtime.
 */
export const runtimeEnvironment: Record<string, string> = (() => {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, pairs] of lastStage.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const [, key, value] of pairs!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) {
      if (key!.startsWith('MALLOC_') || key === 'GLIBC_TUNABLES') env[key!] = value!;
    }
  }
  return env;
})();

/**
 * The node flags a worker process runs with alone, declared once by the deployment: the flags between
 * `node` and `dist/workers/main.js` in docker-compose.yml's worker commands (all of them alike).
 * `npm run worker` repeats them, and tests/unit/deployment.test.ts holds the two together.
 */
export function workerNodeFlags(compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')): string[] {
  const commands = [...compose.matchAll(/^\s*command:\s*(\[.*"dist\/workers\/main\.js".*\])\s*$/gm)].map(([, list]) => JSON.parse(list!) as string[]);
  const flags = commands.map((command) => {
    if (command[0] !== 'node' || command.at(-1) !== 'dist/workers/main.js') throw new Error(`docker-compose.yml: a worker command is not node [flags] dist/workers/main.js: ${JSON.stringify(command)}`);
    return command.slice(1, -1);
  });
  if (flags.length === 0) throw new Error('docker-compose.yml: no worker command');
  if (new Set(flags.map((f) => JSON.stringify(f))).size > 1) throw new Error('docker-compose.yml: the worker commands differ in their node flags');
  return flags[0]!;
}

/** How the deployment starts a worker alone, as the bench prints it: `node <flags> dist/workers/main.js`. */
export function workerCommand(): string {
  return ['node', ...workerNodeFlags(), 'dist/workers/main.js'].join(' ');
}

/** Resident memory of a process from /proc (VmRSS now, VmHWM its peak so far), in bytes. */
async function readMemory(pid: number): Promise<{ rss: number; hwm: number } | null> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** The processes a process started (from /proc/<pid>/task/<pid>/children). */
async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Samples a process's RSS every 200 ms (and reads the kernel's high-water mark at the end). */
export class MemorySampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => void this.sample(), 200);
    this.timer.unref();
  }
  async sample(): Promise<void> {
    const children = await childPids(this.pid);
    if (children.length === 0) {
      const memory = await readMemory(this.pid);
      if (memory) this.peak = Math.max(this.peak, memory.rss, memory.hwm);
      return;
    }
    // A cluster (WEB_PROCESSES > 1): the sum of the processes' RSS at the same moment.
    let sum = (await readMemory(this.pid))?.rss ?? 0;
    for (const child of children) sum += (await readMemory(child))?.rss ?? 0;
    this.peak = Math.max(this.peak, sum);
  }
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.sample();
    return this.peak;
  }
}

export interface Started {
  name: string;
  child: ChildProcess;
  logFile: string;
  memory: MemorySampler;
  /** Stops the process (SIGTERM, then SIGKILL after the grace time) and returns its peak RSS in bytes. */
  stop(graceMs?: number): Promise<number>;
}

function track(name: string, child: ChildProcess, logFile: string): Started {
  const memory = new MemorySampler(child.pid!);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let peak: number | undefined;
  return {
    name,
    child,
    logFile,
    memory,
    async stop(graceMs = 15_000) {
      if (peak === undefined) peak = await memory.stop();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return peak;
    },
  };
}

export interface StartOptions {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  logDir: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** The script is compiled JavaScript (dist/, as production runs it): no TypeScript loader. */
  compiled?: boolean;
}

/** Builds dist/ as `npm start` does (when missing or older than the sources), once per bench run. */
export function ensureBuild(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}

/** Starts an entry point (TypeScript with `node --import tsx`, or compiled), its output going to a log file. */
export function startProcess(options: StartOptions): Started {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const loader = options.compiled ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, options.script, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...runtimeEnvironment, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return track(options.name, child, logFile);
}

/** Starts a bench helper with an IPC channel (it answers `send` messages). */
export function forkHelper(options: StartOptions): Started & { next<T>(type: string, timeoutMs?: number): Promise<T> } {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = fork(options.script, options.args ?? [], {
    cwd: repoRoot,
    execArgv: [...(options.nodeFlags ?? []), '--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...runtimeEnvironment, ...options.env },
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  const inbox: Array<{ type: string; [key: string]: unknown }> = [];
  const waiters = new Set<() => void>();
  child.on('message', (message) => {
    inbox.push(message as { type: string });
    for (const wake of waiters) wake();
  });
  const started = track(options.name, child, logFile);
  return {
    ...started,
    async next<T>(type: string, timeoutMs = 120_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((m) => m.type === type);
        if (index >= 0) return inbox.splice(index, 1)[0] as T;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.name} exited (see ${logFile})`);
        if (Date.now() > deadline) throw new Error(`${options.name} sent no ${type} within ${timeoutMs} ms (see ${logFile})`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 250);
          waiters.add(wake);
        });
      }
    },
  };
}

/** Waits until a log line appears (the worker says "worker is running"), or fails with the log's tail. */
export async function waitForLog(started: Started, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await fs.readFile(started.logFile, 'utf8').catch(() => '');
    if (pattern.test(log)) return;
    if (started.child.exitCode !== null) throw new Error(`${started.name} exited with ${started.child.exitCode}:\n${log.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${started.name} did not log ${pattern} within ${timeoutMs} ms:\n${log.slice(-2000)}`);
    await sleep(100);
  }
}

/** Waits until an HTTP server answers 200 at the URL. */
export async function waitForHttp(started: Started, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (started.child.exitCode !== null) {
      const log = await fs.readFile(started.logFile, 'utf8').catch(() => '');
      throw new Error(`${started.name} exited with ${started.child.exitCode}:\n${log.slice(-2000)}`);
    }
    if (Date.now() > deadline) throw new Error(`${started.name} did not answer ${url} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Runs `work` over the items with at most `parallel` in flight. */
export async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}
