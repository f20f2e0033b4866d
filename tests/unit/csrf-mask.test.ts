import { describe, expect, it } from 'vitest';
import { maskCsrfToken, unmaskCsrfToken } from '../../src/http/middleware/csrf.ts';

describe('masked CSRF tokens (BREACH)', () => {
  it('a token shows differently in every page and unmasks to itself', () => {
    const token = 'a1b2c3d4e5f6.0123456789abcdef';
    const first = maskCsrfToken(token);
    const second = maskCsrfToken(token);
    expect(first).not.toBe(second);
    expect(first).not.toContain(token);
    expect(unmaskCsrfToken(first)).toBe(token);
    expect(unmaskCsrfToken(second)).toBe(token);
  });

  it('a missing or malformed field unmasks to nothing', () => {
    for (const field of [undefined, 42, '', 'no-dot', 'a.b.c', '.abc', 'abc.', 'AAAA.AA', 'x'.repeat(2000)]) {
      expect(unmaskCsrfToken(field)).toBeUndefined();
    }
  });
});
