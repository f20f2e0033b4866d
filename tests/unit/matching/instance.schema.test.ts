import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInstance, parseInstant, parseResult } from '../../../src/matching/instance.schema.ts';

const example = () => JSON.parse(readFileSync(join(import.meta.dirname, 'examples/small-tight.json'), 'utf8'));

/** A fixed meeting (version 2): two parties' meeting kept from an earlier run, off the slot grid. */
const fixed = { requester: 'gov-kh', provider: 'ilo', start: '2007-07-10T08:40:00+02:00', end: '2007-07-10T09:00:00+02:00' };

function messageFor(change: (instance: any) => unknown): string {
  const instance = example();
  const changed = change(instance) ?? instance;
  const parsed = parseInstance(changed);
  return parsed.ok ? 'ok' : parsed.message;
}

describe('reading an instance', () => {
  it('accepts the examples', () => {
    expect(parseInstance(example()).ok).toBe(true);
    expect(parseInstance(JSON.parse(readFileSync(join(import.meta.dirname, 'examples/medium.json'), 'utf8'))).ok).toBe(true);
  });

  it.each<[string, (i: any) => unknown, string]>([
    ['a score of zero', (i) => void (i.offers[3].score = 0), 'offers[3].score: must be a finite number > 0'],
    ['a score given as text', (i) => void (i.offers[3].score = '0.5'), 'offers[3].score: must be a finite number > 0'],
    ['a missing score', (i) => void delete i.offers[3].score, 'offers[3].score: is required'],
    ['an offer to an unknown request', (i) => void (i.offers[5].request = 'nobody'), 'offers[5].request: unknown request id "nobody"'],
    ['an offer from an unknown provider', (i) => void (i.offers[2].provider = 'px'), 'offers[2].provider: unknown provider id "px"'],
    ['a repeated slot id', (i) => void (i.slots[3].id = 'd0s0'), 'slots[3].id: duplicate id "d0s0" (also slots[0])'],
    ['a repeated request id', (i) => void (i.requests[4].id = 'r1'), 'requests[4].id: duplicate id "r1" (also requests[1])'],
    ['a slot that ends when it starts', (i) => void (i.slots[2].end = i.slots[2].start), 'slots[2].end: must be after start'],
    ['a time without offset', (i) => void (i.slots[1].start = '2007-07-10T07:00:00'), 'slots[1].start: must be an ISO 8601 date-time with an offset'],
    ['an impossible date', (i) => void (i.requests[0].busy[0][1] = '2007-02-30T07:00:00Z'), 'requests[0].busy[0][1]: must be an ISO 8601'],
    ['a busy interval backwards', (i) => void i.requests[0].busy[0].reverse(), 'requests[0].busy[0]: end must be after start'],
    [
      'a room busy interval backwards',
      (i) => void (i.rooms[0].busy = [['2007-07-10T09:00:00+02:00', '2007-07-10T09:30:00+02:00'], ['2007-07-10T15:30:00+02:00', '2007-07-10T15:00:00+02:00']]),
      'rooms[0].busy[1]: end must be after start',
    ],
    [
      'a room busy interval that ends when it starts',
      (i) => void i.rooms.push({ id: 'room-b', busy: [['2007-07-10T15:00:00+02:00', '2007-07-10T13:00:00Z']] }),
      'rooms[1].busy[0]: end must be after start',
    ],
    ['a room busy time without offset', (i) => void (i.rooms[0].busy = [['2007-07-10T15:00:00', '2007-07-10T15:30:00Z']]), 'rooms[0].busy[0][0]: must be an ISO 8601'],
    ['a room busy that is not a list', (i) => void (i.rooms[0].busy = 'mornings'), 'rooms[0].busy: must be a list of [start, end] pairs'],
    ['a room busy interval that is not a pair', (i) => void (i.rooms[0].busy = [['2007-07-10T15:00:00Z']]), 'rooms[0].busy[0]: must be a [start, end] pair of date-times'],
    ['a fractional maxMatches', (i) => void (i.requests[2].maxMatches = 1.5), 'requests[2].maxMatches: must be a whole number >= 0'],
    ['a negative capacity', (i) => void (i.providers[2].capacity = -1), 'providers[2].capacity: must be a whole number >= 0'],
    ['a missing list', (i) => void delete i.rooms, 'rooms: is required'],
    ['another format', (i) => void (i.format = 'marketplace-matching/3'), 'format: must be "marketplace-matching/1" or "marketplace-matching/2"'],
    ['something that is not an object', () => [1, 2], 'instance: must be a JSON object'],
  ])('names the first bad path for %s', (_, change, expected) => {
    expect(messageFor(change)).toContain(expected);
  });

  it.each<[string, (i: any) => unknown, string]>([
    ['a run limit of zero', (i) => void (i.rules = { maxConsecutive: 0 }), 'rules.maxConsecutive: must be a whole number >= 1'],
    ['a fractional daily cap', (i) => void (i.rules = { maxMeetingsPerDay: 2.5 }), 'rules.maxMeetingsPerDay: must be a whole number >= 1'],
    ['an unknown time zone', (i) => void (i.rules = { timeZone: 'Europe/Atlantis' }), 'rules.timeZone: must be an IANA time zone'],
    ['a misspelt rule', (i) => void (i.rules = { maxConsecutives: 3 }), 'rules: unknown rule "maxConsecutives"'],
    ['rules that are not an object', (i) => void (i.rules = 3), 'rules: must be an object'],
    ['fairness given as text', (i) => void (i.rules = { fairness: 'yes' }), 'rules.fairness: must be true or false'],
    ['a party override of zero', (i) => void (i.providers[1].maxConsecutive = 0), 'providers[1].maxConsecutive: must be a whole number >= 1'],
    ['a party override given as text', (i) => void (i.requests[2].maxMeetingsPerDay = '4'), 'requests[2].maxMeetingsPerDay: must be a whole number >= 1'],
    ['fixed meetings that are not a list', (i) => void (i.fixedMeetings = {}), 'fixedMeetings: must be a list'],
    [
      'a fixed meeting that ends when it starts',
      (i) => void (i.fixedMeetings = [{ ...fixed, end: fixed.start }]),
      'fixedMeetings[0].end: must be after start',
    ],
    [
      'a fixed meeting without its requester',
      (i) => void (i.fixedMeetings = [fixed, { provider: 'ilo', start: fixed.start, end: fixed.end }]),
      'fixedMeetings[1].requester: is required',
    ],
    [
      'a fixed meeting at a time without offset',
      (i) => void (i.fixedMeetings = [{ ...fixed, start: '2007-07-10T09:00:00' }]),
      'fixedMeetings[0].start: must be an ISO 8601 date-time with an offset',
    ],
  ])('in version 2, names the first bad path for %s', (_, change, expected) => {
    expect(
      messageFor((i) => {
        i.format = 'marketplace-matching/2';
        change(i);
      }),
    ).toContain(expected);
  });

  it('refuses limits in a version 1 document rather than ignore them, and reads version 2 with them', () => {
    expect(messageFor((i) => void (i.rules = { maxConsecutive: 3 }))).toBe('rules: needs "format": "marketplace-matching/2"');
    expect(messageFor((i) => void (i.providers[0].maxMeetingsPerDay = 4))).toBe('providers[0].maxMeetingsPerDay: needs "format": "marketplace-matching/2"');
    expect(messageFor((i) => void (i.fixedMeetings = [fixed]))).toBe('fixedMeetings: needs "format": "marketplace-matching/2"');
    const version2 = example();
    version2.format = 'marketplace-matching/2';
    version2.rules = { maxMeetingsPerDay: 6, maxConsecutive: 3, timeZone: 'Europe/Brussels' };
    version2.providers[0].maxConsecutive = 2;
    version2.fixedMeetings = [fixed];
    expect(parseInstance(version2)).toMatchObject({ ok: true, instance: { rules: version2.rules, fixedMeetings: [fixed] } });
    expect(parseInstance({ ...example(), format: 'marketplace-matching/2' }).ok).toBe(true); // rules are optional
  });

  it('reads rooms[].busy, our extension, as free when it is absent', () => {
    const parsed = parseInstance(example());
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.instance.rooms.every((room) => room.busy.length === 0)).toBe(true);
    const withBusy = example();
    withBusy.rooms[0].busy = [['2007-07-10T15:00:00+02:00', '2007-07-10T15:30:00+02:00']];
    expect(parseInstance(withBusy)).toMatchObject({
      ok: true,
      instance: { rooms: expect.arrayContaining([{ id: withBusy.rooms[0].id, busy: withBusy.rooms[0].busy }]) },
    });
  });

  it('reports the first problem in document order, not the first rule checked', () => {
    // A duplicate slot id (checked across the document) comes before a bad score further down.
    const message = messageFor((i) => {
      i.slots[3].id = 'd0s0';
      i.offers[0].score = -1;
    });
    expect(message).toBe('slots[3].id: duplicate id "d0s0" (also slots[0])');
  });

  it('reads instants with their offsets', () => {
    expect(parseInstant('2007-07-10T15:00:00+02:00')).toBe(Date.parse('2007-07-10T13:00:00Z'));
    expect(parseInstant('2007-07-10T13:00Z')).toBe(Date.parse('2007-07-10T13:00:00Z'));
    expect(parseInstant('2007-07-10T13:00:00.250-01:30')).toBe(Date.parse('2007-07-10T14:30:00.250Z'));
    expect(parseInstant('2007-07-10 13:00:00Z')).toBeUndefined();
    expect(parseInstant('2007-07-10T24:00:00Z')).toBeUndefined();
  });

  it('checks results against the result format', () => {
    const result = {
      format: 'marketplace-matching-result/1',
      objective: 0.83,
      meetings: [{ request: 'r1', provider: 'ilo', slot: 'tue-1500', room: 'room-a', score: 0.83 }],
      unscheduled: [],
      stats: { offers: 1, seconds: 0.002, method: 'milp-highs' },
    };
    expect(parseResult(result).ok).toBe(true);
    expect(parseResult({ ...result, stats: { ...result.stats, method: 'magic' } })).toMatchObject({
      ok: false,
      message: expect.stringContaining('stats.method'),
    });
  });
});
