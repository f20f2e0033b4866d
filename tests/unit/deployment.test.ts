import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, workerCommand, workerNodeFlags } from '../../bench/processes.ts';

const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('how a worker process is started', () => {
  it('npm run worker starts it with the node flags of the deployment (docker-compose.yml), which the bench uses too, and node accepts them', () => {
    const flags = workerNodeFlags();
    expect(flags.length).toBeGreaterThan(0);
    expect(scripts.worker).toBe(`node scripts/ensure-build.mjs && ${workerCommand()}`);
    const run = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the worker commands of a compose file must agree, and be node [flags] dist/workers/main.js', () => {
    const compose = (a: string, b: string) => `services:\n  worker-1:\n    command: ${a}\n  worker-2:\n    command: ${b}\n`;
    expect(workerNodeFlags(compose('["node", "--x=1", "dist/workers/main.js"]', '["node", "--x=1", "dist/workers/main.js"]'))).toEqual(['--x=1']);
    expect(() => workerNodeFlags(compose('["node", "--x=1", "dist/workers/main.js"]', '["node", "dist/workers/main.js"]'))).toThrow(/differ in their node flags/);
    expect(() => workerNodeFlags(compose('["tsx", "dist/workers/main.js"]', '["tsx", "dist/workers/main.js"]'))).toThrow(/not node \[flags\]/);
    expect(() => workerNodeFlags('services: {}\n')).toThrow(/no worker command/);
  });
});
