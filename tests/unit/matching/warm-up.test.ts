import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../../src/matching/instance.schema.ts';
import { solveMatching } from '../../../src/matching/optimizer.ts';
import { warmUpInstance } from '../../../src/matching/warm-up.ts';

describe('the optimizer thread warm-up instance', () => {
  it('is a valid version 2 instance with rules, joint offers of an hour and hour-long slots', () => {
    const instance = warmUpInstance();
    const parsed = parseInstance(JSON.parse(JSON.stringify(instance)));
    expect(parsed.ok, parsed.ok ? '' : parsed.message).toBe(true);
    expect(instance.rules).toMatchObject({ fairness: true, maxConsecutive: 3 });
    const joint = instance.offers.filter((o) => o.alsoRequests?.length);
    expect(joint.length).toBeGreaterThanOrEqual(20);
    expect(joint.every((o) => o.minMinutes === 60 && o.maxMinutes === 60)).toBe(true);
    expect(instance.slots.some((s) => Date.parse(s.end) - Date.parse(s.start) === 60 * 60_000)).toBe(true);
  });

  it('takes the heuristic through joint meetings, as a run does', async () => {
    const result = await solveMatching(warmUpInstance(), { timeLimitSeconds: 5, method: 'heuristic' });
    expect(result.stats.method).toBe('flow+local-search');
    expect(result.meetings.filter((m) => m.alsoRequests?.length).length).toBeGreaterThan(0);
    expect(result.meetings.length).toBeGreaterThan(50);
  });
});
