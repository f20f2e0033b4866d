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

  it('can make some rooms busy at some slots, leaving the rest of the instance as it was', () => {
    const options = { offers: 1000, tightness: 'tight' as const, seed: 5, overlappingSlots: true };
    const plain = generateInstance(options);
    const busy = generateInstance({ ...options, busyRooms: 0.5 });
    expect(parseInstance(JSON.parse(JSON.stringify(busy)))).toMatchObject({ ok: true });
    expect({ ...busy, rooms: [] }).toEqual({ ...plain, rooms: [] });
    expect(busy.rooms.map((r) => r.id)).toEqual(plain.rooms.map((r) => r.id));
    expect(plain.rooms.every((r) => r.busy.length === 0)).toBe(true);
    const busyRooms = busy.rooms.filter((r) => r.busy.length > 0);
    expect(busyRooms.length).toBeGreaterThan(0);
    expect(busyRooms.length).toBeLessThan(busy.rooms.length);
    // Each busy interval is a slot of the grid, as a kept meeting would be.
    const slotTimes = new Set(busy.slots.map((s) => `${s.start}/${s.end}`));
    for (const room of busyRooms) for (const [start, end] of room.busy) expect(slotTimes).toContain(`${start}/${end}`);
  });
});
