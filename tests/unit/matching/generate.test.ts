import { describe, expect, it } from 'vitest';
import { generateInstance } from '../../../src/matching/generate.ts';
import { parseInstance } from '../../../src/matching/instance.schema.ts';

describe('the instance generator', () => {
  it('gives the same instance for the same seed and another for another seed', () => {
    const options = { offers: 300, tightness: 'tight' as const, seed: 42 };
    expect(generateInstance(options)).toEqual(generateInstance(options));
    expect(generateInstance({ ...options, seed: 43 })).not.toEqual(generateInstance(options));
  });

  it.each([
    { offers: 10, tightness: 'tight' as const },
    { offers: 1000, tightness: 'loose' as const, overlappingSlots: true },
  ])('makes valid instances with exactly the offers asked for: %o', (options) => {
    const instance = generateInstance({ ...options, seed: 3 });
    expect(parseInstance(JSON.parse(JSON.stringify(instance)))).toMatchObject({ ok: true });
    expect(instance.offers).toHaveLength(options.offers);
  });
});
