import { describe, expect, it, vi } from 'vitest';
import { DateTime } from 'luxon';
import { parseTimeInput, resolveTimeInput } from '../../src/shared/time-input.ts';
import { daysEarlierInZone, formatInZone, formatRelative, isoInZone } from '../../src/shared/time.ts';

describe('times as people enter them', () => {
  it('a date alone is close of business in the marketplace zone', () => {
    expect(resolveTimeInput('2007-06-20', 'Europe/Brussels', '17:00')?.toISOString()).toBe('2007-06-20T15:00:00.000Z');
    expect(resolveTimeInput('2007-12-20', 'Europe/Brussels', '17:00')?.toISOString()).toBe('2007-12-20T16:00:00.000Z');
  });
  it('a local date and time is in the zone; an instant with an offset stays as given', () => {
    expect(resolveTimeInput('2007-07-10T15:00:30', 'Europe/Brussels', '17:00')?.toISOString()).toBe('2007-07-10T13:00:30.000Z');
    expect(resolveTimeInput('2007-07-10T15:00', 'Europe/Brussels', '17:00')?.toISOString()).toBe('2007-07-10T13:00:00.000Z');
    expect(resolveTimeInput('2007-07-10 15:00', 'Asia/Dhaka', '17:00')?.toISOString()).toBe('2007-07-10T09:00:00.000Z');
    expect(resolveTimeInput('2007-06-20T17:00:00-05:00', 'Europe/Brussels', '17:00')?.toISOString()).toBe('2007-06-20T22:00:00.000Z');
  });
  it('a local time skipped by the spring clock change does not exist', () => {
    expect(resolveTimeInput('2007-03-25T02:30', 'Europe/Brussels', '17:00')).toBeNull();
  });
  it('rejects what is not a time', () => {
    for (const bad of ['soon', '2007-02-30', '2007-06-20T25:00', '20/06/2007', '2007-06-20T17:00:99']) expect(parseTimeInput(bad)).toBeNull();
  });
  it('shows a time in its zone with the offset, and relative to now', () => {
    expect(formatInZone(new Date('2007-06-20T15:00:00Z'), 'Europe/Brussels')).toBe('Wed 20 Jun 2007, 17:00 (UTC+02:00, Europe/Brussels)');
    expect(formatRelative(new Date('2007-06-23T15:00:00Z'), new Date('2007-06-20T15:00:00Z'))).toBe('in 3 days');
  });
  it('writes an instant in ISO form with its zone offset, the same when asked again (kept: luxon works each out once) and in another zone', () => {
    const summer = new Date('2007-06-20T15:00:00Z');
    const worked = vi.spyOn(DateTime, 'fromJSDate');
    try {
      for (let i = 0; i < 2; i++) {
        expect(isoInZone(summer, 'Europe/Brussels')).toBe('2007-06-20T17:00:00+02:00');
        expect(isoInZone(summer, 'Asia/Dhaka')).toBe('2007-06-20T21:00:00+06:00');
        expect(isoInZone(new Date('2007-12-20T15:00:00Z'), 'Europe/Brussels')).toBe('2007-12-20T16:00:00+01:00');
      }
      // Three answers, each worked out the first time only.
      expect(worked).toHaveBeenCalledTimes(3);
    } finally {
      worked.mockRestore();
    }
  });
  it('counts calendar days back across a clock change, and each answer is a Date of its own', () => {
    // Summer time began on 25 March 2007 in Brussels: three days before 17:00 on the 27th is 17:00 on the 24th, a 71-hour step back.
    const deadline = new Date('2007-03-27T15:00:00Z');
    const first = daysEarlierInZone(deadline, 3, 'Europe/Brussels');
    expect(first.toISOString()).toBe('2007-03-24T16:00:00.000Z');
    first.setTime(0);
    expect(daysEarlierInZone(deadline, 3, 'Europe/Brussels').toISOString()).toBe('2007-03-24T16:00:00.000Z');
    expect(daysEarlierInZone(deadline, 2, 'Europe/Brussels').toISOString()).toBe('2007-03-25T15:00:00.000Z');
    expect(daysEarlierInZone(deadline, 3, 'UTC').toISOString()).toBe('2007-03-24T15:00:00.000Z');
  });
});
