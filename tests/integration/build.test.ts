import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redisEnvironment, useTestEnvironment } from '../helpers/environment.ts';
import { freePort } from '../helpers/http.ts';

// `npm run build` makes JavaScript that runs without TypeScript tooling: built here into a folder of
// its own (BUILD_OUT_DIR), then started as `npm start` starts dist/ (node, no loader), web and worker
// in one process, against this file's database. It runs its migrations and serves pages with their
// views, static files and translations; the optimizer's thread starts from the compiled solve-worker.js.
const t = useTestEnvironment({ workers: false, cast: ['organizer'] });
// Inside the project (tests/artifacts is git-ignored): node finds node_modules and package.json's "type": "module" there, as it does for dist/.
mkdirSync('tests/artifacts', { recursive: true });
const outDir = mkdtempSync(path.resolve('tests/artifacts/build-'));
let child: ChildProcess | null = null;

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(outDir, { recursive: true, force: true });
});

/**
 * Starts a compiled entry point (`args` in outDir) until its output shows `ready`, runs `whileUp`, stops
 * it, and answers the URLs of the modules it imported (a resolve hook records them).
 */
async function importsOf(args: string[], env: Record<string, string>, ready: string, whileUp: () => Promise<void> = async () => {}): Promise<string[]> {
  const imported = path.join(outDir, `imported-${args[0]!.replaceAll('/', '-')}.txt`);
  writeFileSync(
    path.join(outDir, 'import-hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const found = await next(specifier, context);
      appendFileSync(process.env.IMPORTS_FILE, found.url + '\\n');
      return found;
    }\n`,
  );
  writeFileSync(path.join(outDir, 'record-imports.mjs'), `import { register } from 'node:module';\nregister('./import-hooks.mjs', import.meta.url);\n`);
  child = spawn(process.execPath, ['--import', path.join(outDir, 'record-imports.mjs'), path.join(outDir, args[0]!), ...args.slice(1)], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: t.env.config.DATABASE_URL,
      ...redisEnvironment(t.env.config),
      QUEUE_BACKEND: t.env.config.queueBackend,
      LOG_LEVEL: 'warn',
      IMPORTS_FILE: imported,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  await expect.poll(() => (child?.exitCode === null ? output.includes(ready) : `exited: ${output}`), { timeout: 60_000, interval: 200 }).toBe(true);
  await whileUp();
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  child = null;
  return readFileSync(imported, 'utf8').split('\n').filter(Boolean);
}

describe('npm run build', () => {
  it('compiles a service that starts with node alone, with its views, assets, translations and migrations', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { env: { ...process.env, BUILD_OUT_DIR: outDir }, stdio: 'pipe' });
    for (const file of ['src/main.js', 'workers/main.js', 'src/meetings/solve-worker.js', 'src/http/views/layout.njk', 'src/email/templates', 'src/i18n/locales/fr.json', '.build-stamp']) {
      expect(existsSync(path.join(outDir, file)), file).toBe(true);
    }
    // The emitted modules import JavaScript, never TypeScript.
    expect(readFileSync(path.join(outDir, 'src/main.js'), 'utf8')).not.toMatch(/from '[^']+\.ts'/);

    const port = await freePort();
    child = spawn(process.execPath, [path.join(outDir, 'src/main.js')], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'development',
        PORT: String(port),
        BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: t.env.config.DATABASE_URL,
        ...redisEnvironment(t.env.config),
        QUEUE_BACKEND: t.env.config.queueBackend,
        ORGANIZER_EMAILS: t.people.organizer.email,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await expect.poll(() => (child?.exitCode === null ? output.includes('Forum Marketplace is running at') : `exited: ${output}`), { timeout: 60_000, interval: 200 }).toBe(true);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const home = await fetch(`${base}/`, { headers: { 'accept-language': 'fr' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('lang="fr"');
    expect((await fetch(`${base}/static/app.css`)).status).toBe(200);
    // The icon every page names, so that browsers do not ask for /favicon.ico and get a 404 page on each load.
    const icon = await fetch(`${base}/static/favicon.svg`);
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = null;

    // `npm run web` (--web) loads only what the web serves: not the worker (the optimizer, the SMTP
    // client), the in-process SMTP server or the queue dashboard (loaded at an organizer's first visit);
    // `npm run worker` not the web application. A resolve hook records every module each imports.
    const webPort = await freePort();
    const web = await importsOf(['src/main.js', '--web'], { PORT: String(webPort), BASE_URL: `http://127.0.0.1:${webPort}` }, 'Forum Marketplace is running at', async () => {
      expect((await fetch(`http://127.0.0.1:${webPort}/readyz`)).status).toBe(200);
    });
    expect(web.some((u) => u.endsWith('/src/http/app.js'))).toBe(true);
    for (const unwanted of ['/workers/workers.js', '/node_modules/nodemailer/', '/node_modules/smtp-server/', '/node_modules/mailparser/', '/node_modules/@bull-board/', '/node_modules/highs/']) {
      expect(web.filter((u) => u.includes(unwanted)), unwanted).toEqual([]);
    }
    // (The worker's SMTP pool connects at its first email: none is sent here.)
    const worker = await importsOf(['workers/main.js'], { SMTP_URL: 'smtp://127.0.0.1:9', LOG_LEVEL: 'info' }, 'worker is running');
    expect(worker.some((u) => u.endsWith('/workers/workers.js'))).toBe(true);
    for (const unwanted of ['/src/http/app.js', '/node_modules/express/', '/node_modules/helmet/', '/node_modules/@bull-board/']) {
      expect(worker.filter((u) => u.includes(unwanted)), unwanted).toEqual([]);
    }

    // The compiled optimizer thread (solve-worker.js, no TypeScript loader) answers a solve.
    const solve = `
      const { generateInstance } = await import(${JSON.stringify(path.join(outDir, 'src/matching/generate.js'))});
      const { solveInWorker, closeSolverThread } = await import(${JSON.stringify(path.join(outDir, 'src/meetings/solve-in-worker.js'))});
      const result = await solveInWorker(generateInstance({ offers: 40, tightness: 'loose', seed: 7 }), { timeLimitSeconds: 5 });
      console.log(JSON.stringify({ meetings: result.meetings.length, method: result.stats.method }));
      await closeSolverThread();`;
    // A file, not --input-type: the thread would inherit that flag, which a file entry refuses.
    writeFileSync(path.join(outDir, 'solve-check.mjs'), solve);
    const answer = JSON.parse(execFileSync(process.execPath, [path.join(outDir, 'solve-check.mjs')], { encoding: 'utf8' }).trim());
    expect(answer.meetings).toBeGreaterThan(0);
    // A build, three processes started and stopped, and a solve: about 20 s on an idle machine, over 120 s on one shared
    // with other work (a CI run beside two other test sessions timed out at 120 s).
  }, 300_000);
});
