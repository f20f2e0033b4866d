import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { REDIS_CLUSTER_NODES, redisEnvironment, useTestEnvironment } from '../helpers/environment.ts';
import { freePort } from '../helpers/http.ts';

const t = useTestEnvironment({ workers: false });
let child: ChildProcess | null = null;

// Registered after the environment's: runs before its afterAll closes the database under the processes.
afterAll(() => {
  child?.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run web with WEB_PROCESSES', () => {
  it('starts that many web processes on one port, and SIGTERM stops them all', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--web'], {
      env: { ...process.env, NODE_ENV: 'development', WEB_PROCESSES: '2', PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, DATABASE_URL: t.env.config.DATABASE_URL, ...redisEnvironment(t.env.config), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    // The person who started it reads one line, once both processes listen; each process logs its own start.
    await expect.poll(() => (child?.exitCode === null ? output.includes(`Forum Marketplace is running at http://127.0.0.1:${port} (2 web processes)`) : `exited: ${output}`), { timeout: 60_000, interval: 200 }).toBe(true);
    const pidsLogged = () => [...new Set([...output.matchAll(/"pid":(\d+),[^\n]*"msg":"Forum Marketplace is running"/g)].map((m) => Number(m[1])))];
    await expect.poll(() => pidsLogged().length, { timeout: 10_000 }).toBe(2);
    const pids = pidsLogged();
    expect(output.split('Forum Marketplace is running at').length - 1).toBe(1);
    // On a Redis Cluster run (TEST_REDIS_CLUSTER), the processes say they use it.
    if (REDIS_CLUSTER_NODES) expect(output).toContain(`queues: Redis Cluster ${REDIS_CLUSTER_NODES}`);
    expect(pids).not.toContain(child.pid);
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    child = null;
  }, 90_000);
});
