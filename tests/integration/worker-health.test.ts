import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { redisEnvironment, useTestEnvironment } from '../helpers/environment.ts';
import { freePort } from '../helpers/http.ts';

const t = useTestEnvironment({ workers: false });
const children: ChildProcess[] = [];

// Registered after the environment's: runs before its afterAll closes the database under the processes.
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function startWorker(port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, NODE_ENV: 'development', WORKER_HEALTH_PORT: String(port), BASE_URL: 'http://localhost:3000', DATABASE_URL: t.env.config.DATABASE_URL, SMTP_URL: t.env.config.SMTP_URL!, ...redisEnvironment(t.env.config), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe("a worker's health port (WORKER_HEALTH_PORT)", () => {
  it('answers /healthz and /readyz while the worker takes jobs, nothing else; a second worker on the same port says so and stops', async () => {
    const port = await freePort();
    const worker = startWorker(port);
    await expect.poll(() => (worker.child.exitCode === null ? worker.output().includes('worker is running') : `exited: ${worker.output()}`), { timeout: 60_000, interval: 200 }).toBe(true);
    const get = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', postgres: 'ok' });
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/healthz', { method: 'POST' })).status).toBe(405);

    const second = startWorker(port);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`Cannot serve the worker's health on WORKER_HEALTH_PORT=${port}: the port is taken.`);
    expect(second.output()).not.toMatch(/\n\s+at /); // no stack trace

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 90_000);
});
