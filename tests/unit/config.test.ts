import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('configuration from the environment', () => {
  it('has defaults that work on a developer machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, BASE_URL: 'http://localhost:3000', REDIS_URL: 'redis://127.0.0.1:6379', ORGANIZER_EMAILS: [], devMailbox: true });
  });

  it('parses ORGANIZER_EMAILS as a trimmed, lower-case list', () => {
    expect(loadConfig({ ORGANIZER_EMAILS: ' Secretariat@GFMD.org, desa@un.org ' }).ORGANIZER_EMAILS).toEqual(['secretariat@gfmd.org', 'desa@un.org']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'localhost:6379'],
    ['BASE_URL', 'not a url'],
    ['ORGANIZER_EMAILS', 'a@b.org, nonsense'],
    ['REDIS_PREFIX', 'fm'],
    ['SESSION_SECRET', 'short'],
    ['METRICS_TOKEN', 'short'],
    ['TRUST_PROXY', 'maybe'],
    ['TRUST_PROXY', '0'],
    ['TRUST_PROXY', '10.0.0.0/8, proxy.example.org'],
    ['REDIS_CLUSTER_NODES', 'redis-1'],
    ['REDIS_CLUSTER_NODES', '10.0.0.1:7000,10.0.0.2:port'],
    ['REDIS_CLUSTER_NODES', 'http://10.0.0.1:7000'],
    ['REDIS_CLUSTER_NODES', 'redis://10.0.0.1:7000/2'],
    ['REDIS_CLUSTER_NODES', ' , '],
    ['HEAP_GROWING_PERCENT', '-5'],
    ['HEAP_GROWING_PERCENT', 'small'],
    ['EMAIL_RATE_PER_SECOND', '0'],
  ])('a bad %s stops the start with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Configuration error: ${name} `));
  });

  it('never prints the value (it may hold a password)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@localhost/db' })).toThrow(/^(?!.*hunter2)/);
  });

  it('production requires a session secret and SMTP', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' })).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/SMTP_URL/);
  });

  it('production never falls back: DATABASE_URL is required, and the queues need REDIS_URL or QUEUE_BACKEND=postgres', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://mail:25' };
    expect(() => loadConfig(production)).toThrow(/^Configuration error: DATABASE_URL is required in production/);
    expect(() => loadConfig({ ...production, DATABASE_URL: 'postgres://db/fm' })).toThrow(/^Configuration error: REDIS_URL \(or REDIS_CLUSTER_NODES\) is required in production, or QUEUE_BACKEND=postgres/);
    expect(loadConfig({ ...production, DATABASE_URL: 'postgres://db/fm', QUEUE_BACKEND: 'postgres' }).queueBackend).toBe('postgres');
    expect(loadConfig({ ...production, DATABASE_URL: 'postgres://db/fm', REDIS_URL: 'redis://cache:6379' }).queueBackend).toBe('redis');
  });

  it('an unset or empty DATABASE_URL / REDIS_URL is remembered as unset, so an embedded Postgres or the Postgres queues may replace it', () => {
    expect(loadConfig({}).given).toEqual({ DATABASE_URL: false, REDIS_URL: false });
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).given).toEqual({ DATABASE_URL: false, REDIS_URL: false });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/fm', REDIS_URL: 'redis://cache:6379' }).given).toEqual({ DATABASE_URL: true, REDIS_URL: true });
    expect(() => loadConfig({ QUEUE_BACKEND: 'kafka' })).toThrow(/^Configuration error: QUEUE_BACKEND must be redis or postgres$/);
  });

  it('a set DATABASE_URL that does not answer stops the start with a line naming it, without its password', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, BASE_URL: 'http://localhost:3000', PORT: '0', DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/fm', QUEUE_BACKEND: 'postgres' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Postgres is not reachable at 127.0.0.1:1 (DATABASE_URL=postgres://app:***@127.0.0.1:1/fm). Start it, or correct DATABASE_URL.');
    expect(result.stdout).toContain('Postgres: postgres://app:***@127.0.0.1:1/fm · queues: Postgres');
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('takes REDIS_CLUSTER_NODES as host:port or redis(s):// URLs; it names a Redis as REDIS_URL does, and production accepts it instead', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, rediss://app:p%40ss@redis-2.internal:7001 ' });
    expect(config.REDIS_CLUSTER_NODES).toEqual(['redis://10.0.0.1:7000', 'rediss://app:p%40ss@redis-2.internal:7001']);
    expect(config.given.REDIS_URL).toBe(true);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://mail:25', DATABASE_URL: 'postgres://db/fm' };
    expect(loadConfig({ ...production, REDIS_CLUSTER_NODES: '10.0.0.1:7000' }).queueBackend).toBe('redis');
  });

  it('a set REDIS_CLUSTER_NODES that does not answer stops the start with a line naming its nodes, without a password', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, BASE_URL: 'http://localhost:3000', PORT: '0', REDIS_CLUSTER_NODES: 'redis://:s3cret@127.0.0.1:1,127.0.0.1:2', QUEUE_BACKEND: '', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/fm_never_created' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('queues: Redis Cluster 127.0.0.1:1,127.0.0.1:2');
    expect(result.stderr.trim()).toBe('The Redis Cluster is not reachable (REDIS_CLUSTER_NODES=127.0.0.1:1,127.0.0.1:2). Check that its nodes answer and the cluster is up, correct REDIS_CLUSTER_NODES, or set QUEUE_BACKEND=postgres.');
    expect(result.stdout + result.stderr).not.toContain('s3cret');
  });

  it('a set REDIS_URL that does not answer stops the start with a line naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, BASE_URL: 'http://localhost:3000', PORT: '0', REDIS_URL: 'redis://:s3cret@127.0.0.1:1', QUEUE_BACKEND: '', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/fm_never_created' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Redis is not reachable at 127\.0\.0\.1:1 \(REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:1\)\. Start it, correct REDIS_URL, or set QUEUE_BACKEND=postgres\.$/);
    expect(result.stdout + result.stderr).not.toContain('s3cret');
  });

  it('the service refuses to start with one clear line, no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Configuration error: PORT must be a number');
  });

  it('takes TRUST_PROXY as true or false, a number of hops, or the proxies\' addresses and subnets', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback, 2001:db8::1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', 'loopback', '2001:db8::1']);
  });
});
