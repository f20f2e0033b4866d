import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/platform/embedded-postgres.ts';

/**
 * The embedded Postgres a machine with Node alone runs (`npm run demo`, `npm start`, `npm test`
 * without DATABASE_URL and with nothing at 127.0.0.1:5432). One data folder for this file, in .data.
 */
const dir = path.join('.data', `pg-spec-${randomBytes(4).toString('hex')}`);
const absolute = path.resolve(dir);
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  for (const suffix of ['', '.password', '.owner.json', '.log']) await fs.rm(`${absolute}${suffix}`, { recursive: true, force: true });
}, 60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function serverPid(): Promise<number> {
  return Number((await fs.readFile(path.join(absolute, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

/** Another process of ours that starts the server on the same folder and keeps it (as `npm run demo` would). */
async function startInAnotherProcess(): Promise<{ child: ChildProcess; output: () => string; up: Promise<void> }> {
  const script = `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve('src/platform/embedded-postgres.ts'))};
    try { const s = await startEmbeddedPostgres({ dir: ${JSON.stringify(dir)} }); console.log('up ' + s.port); setInterval(() => {}, 1000); }
    catch (error) { console.error(error.message); process.exit(1); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const up = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => output.includes('up ') && resolve());
    child.once('exit', () => reject(new Error(`exited: ${output}`)));
  });
  up.catch(() => {});
  return { child, output: () => output, up };
}

describe('the embedded Postgres', () => {
  let server: EmbeddedPostgres;

  it('starts on 127.0.0.1 only, asks a password, has btree_gist, and stops when asked', async () => {
    const lines: string[] = [];
    server = await startEmbeddedPostgres({ dir, say: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/initialising an embedded Postgres \d+ in .*pg-spec-/);
    const client = new pg.Client({ connectionString: server.url('postgres') });
    await client.connect();
    try {
      expect((await client.query('SHOW listen_addresses')).rows[0].listen_addresses).toBe('127.0.0.1');
      expect((await client.query('SHOW password_encryption')).rows[0].password_encryption).toBe('scram-sha-256');
      await client.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
    } finally {
      await client.end();
    }
    const withoutPassword = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', password: 'wrong', database: 'postgres' });
    withoutPassword.on('error', () => {});
    await expect(withoutPassword.connect()).rejects.toThrow(/password authentication failed/);
    expect((await fs.stat(`${absolute}.password`)).mode & 0o077).toBe(0);
    const pid = await serverPid();
    await server.stop();
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('a second process on the same folder is refused with a line naming the one that holds it', async () => {
    const first = await startInAnotherProcess();
    await first.up;
    const second = await startInAnotherProcess();
    await expect(second.up).rejects.toThrow(new RegExp(`is in use by process ${first.child.pid}.*Stop that one first, or set DATABASE_URL`));
    first.child.kill('SIGINT');
  }, 120_000);

  it('a kill -9 of the process that started it stops the server too', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    const owner = await startInAnotherProcess();
    await owner.up;
    const pid = await serverPid();
    owner.child.kill('SIGKILL');
    await expect.poll(() => alive(pid), { timeout: 20_000, interval: 200 }).toBe(false);
  }, 120_000);

  it('a server that a killed run left running is stopped at the next start, with a line that says so', async () => {
    const owner = await startInAnotherProcess();
    await owner.up;
    const pid = await serverPid();
    // As if the watchdog had been killed too (kill -9 of the whole process group's watchdog, a reboot of the shell...).
    execFileSync('pkill', ['-9', '-f', `kill -INT "\\$0" 2>/dev/null ${pid}$`]);
    owner.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(pid)).toBe(true);

    const lines: string[] = [];
    server = await startEmbeddedPostgres({ dir, say: (line) => lines.push(line) });
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^stopping the embedded Postgres a killed run left running \\(pid ${pid}, port \\d+\\)$`)));
    expect(alive(pid)).toBe(false);
    const client = new pg.Client({ connectionString: server.url('postgres') });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await client.end();
    await server.stop();
  }, 120_000);

  it('a lock file whose server is gone is removed, with a line that says so', async () => {
    await fs.writeFile(path.join(absolute, 'postmaster.pid'), `${2 ** 22 - 3}\n${absolute}\n0\n55432\n`);
    const lines: string[] = [];
    server = await startEmbeddedPostgres({ dir, say: (line) => lines.push(line) });
    expect(lines).toContainEqual(expect.stringMatching(/^removed the lock file a killed run left in .*\(its server is gone\)$/));
    await server.stop();
  }, 120_000);
});
