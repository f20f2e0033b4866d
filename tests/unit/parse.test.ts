import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/shared/errors.ts';
import { MAX_NESTING, nestsDeeperThan, parseInput } from '../../src/shared/parse.ts';

const nestedArrays = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
};

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('parseInput at the boundary', () => {
  it('counts nesting as a reader would: {} is one level, 64 pass, 65 do not', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [{}] }, 2)).toBe(true);
    expect(nestsDeeperThan(nestedArrays(MAX_NESTING), MAX_NESTING)).toBe(false);
    expect(nestsDeeperThan(nestedArrays(MAX_NESTING + 1), MAX_NESTING)).toBe(true);
    expect(nestsDeeperThan({ shallow: 1, deep: nestedArrays(MAX_NESTING) }, MAX_NESTING)).toBe(true);
  });

  it('a value nested 200,000 levels is a 400 body-too-deep, not a stack overflow in our walk or zod\'s', () => {
    const error = refusal(() => parseInput(z.any(), { title: nestedArrays(200_000) }));
    expect(error).toMatchObject({ status: 400, type: 'body-too-deep', detail: 'The body nests deeper than 64 levels.' });
  });

  it('names the first field holding a NUL character, in document order, at any depth it allows', () => {
    const schema = z.any();
    expect(refusal(() => parseInput(schema, { title: 'ok', sessions: [{ room: 'A' }, { room: 'B\u0000' }], z: '\u0000' })).errors).toEqual([{ path: 'sessions.1.room', message: 'must not contain the NUL character' }]);
    // A flat query or form (strings only) takes a shorter path, with the same answer.
    expect(refusal(() => parseInput(schema, { title: 'ok', b: 'x\u0000', c: '\u0000' })).errors).toEqual([{ path: 'b', message: 'must not contain the NUL character' }]);
    expect(refusal(() => parseInput(schema, '\u0000')).errors).toEqual([{ path: '(body)', message: 'must not contain the NUL character' }]);
    expect(parseInput(z.object({ a: z.array(z.string()) }), { a: ['x', 'y'] })).toEqual({ a: ['x', 'y'] });
  });
});
