import { describe, expect, it } from 'vitest';
import { forumSlots, marketplaceShape } from '../../src/meetings/matching-instance.ts';

describe('the forum slots', () => {
  const stored = {
    time_zone: 'Europe/Brussels',
    forum_starts_on: '2007-07-09',
    forum_ends_on: '2007-07-11',
    meeting_minutes: 30,
    meeting_day_starts: '09:00:00',
    meeting_day_ends: '12:00:00',
    no_meeting_windows: [] as Array<{ startsAt: string; endsAt: string; label: string }>,
  };

  it('are the meeting-length steps of each forum day, in the marketplace zone', () => {
    const slots = forumSlots(marketplaceShape(stored));
    expect(slots).toHaveLength(3 * 6);
    expect(slots[0]!.id).toBe('2007-07-09T09:00');
    expect(slots[0]!.startsAt.toISOString()).toBe('2007-07-09T07:00:00.000Z');
    expect(slots.at(-1)!.id).toBe('2007-07-11T11:30');
  });

  it('leave out every slot that touches a time with no side meetings: a whole day, and part of another', () => {
    const slots = forumSlots(
      marketplaceShape({
        ...stored,
        no_meeting_windows: [
          { startsAt: '2007-07-08T22:00:00.000Z', endsAt: '2007-07-09T21:59:00.000Z', label: 'Civil Society Day' },
          // 10:15-11:00 on the 10th: the 10:00 and the 10:30 slots overlap it.
          { startsAt: '2007-07-10T08:15:00.000Z', endsAt: '2007-07-10T09:00:00.000Z', label: 'Plenary' },
        ],
      }),
    );
    expect(slots.some((s) => s.id.startsWith('2007-07-09'))).toBe(false);
    expect(slots.filter((s) => s.id.startsWith('2007-07-10')).map((s) => s.id.slice(11))).toEqual(['09:00', '09:30', '11:00', '11:30']);
    expect(slots.filter((s) => s.id.startsWith('2007-07-11'))).toHaveLength(6);
  });
});
