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

  it('the service refuses to start with one clear line, no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Configuration error: PORT must be a number');
  });
});
