import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResult } from '../../../src/matching/instance.schema.ts';
import { findViolations } from './feasibility-checker.ts';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLE = join(import.meta.dirname, 'examples/small-tight.json');

function runMatch(args: string[], input?: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/matching/cli.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function writeInstance(json: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'match-cli-')), 'instance.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('npm run match', () => {
  it('prints a feasible result for a good instance file', () => {
    const { code, stdout, stderr } = runMatch([EXAMPLE]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const parsed = parseResult(JSON.parse(stdout));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(findViolations(JSON.parse(readFileSync(EXAMPLE, 'utf8')), parsed.value)).toEqual([]);
    expect(parsed.value.objective).toBeCloseTo(6.406, 3);
  }, 60_000);

  it('reads the instance from standard input', () => {
    const { code, stdout } = runMatch(['-'], readFileSync(EXAMPLE, 'utf8'));
    expect(code).toBe(0);
    expect(JSON.parse(stdout).format).toBe('marketplace-matching-result/1');
  }, 60_000);

  it('refuses a bad instance with exit code 1 and one line naming the path, no stack trace', () => {
    const instance = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    instance.offers[3].score = 0;
    const { code, stdout, stderr } = runMatch([writeInstance(instance)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: offers[3].score: must be a finite number > 0\n');
  }, 60_000);

  it('refuses text that is not JSON the same way', () => {
    const { code, stderr } = runMatch([], '{"format": ');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: instance: not valid JSON \(.*\)\n$/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('says which file it cannot read', () => {
    const { code, stderr } = runMatch(['/nonexistent/instance.json']);
    expect(code).toBe(1);
    expect(stderr).toBe('error: /nonexistent/instance.json: cannot read (ENOENT)\n');
  }, 60_000);
});
