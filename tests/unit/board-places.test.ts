import { describe, expect, it } from 'vitest';
import { forumSlots, longSlots, marketplaceShape } from '../../src/meetings/matching-instance.ts';
import { indexBoard, placesOnBoard, type Board } from '../../src/meetings/meeting-edits.service.ts';

// One afternoon of four half-hour slots (15:00-17:00) and two rooms.
const marketplace = {
  time_zone: 'Europe/Brussels',
  forum_starts_on: '2027-07-10',
  forum_ends_on: '2027-07-10',
  meeting_minutes: 30,
  meeting_day_starts: '15:00',
  meeting_day_ends: '17:00',
  no_meeting_windows: [],
  max_meetings_per_day: null,
  break_after: null,
};
const slots = forumSlots(marketplaceShape(marketplace));
const rooms = [
  { id: 'room-a', name: 'Room A' },
  { id: 'room-b', name: 'Room B' },
];
const meeting = (id: string, slot: number, roomId: string, orgs: [string, string]) => ({ id, room_id: roomId, starts_at: slots[slot]!.startsAt, ends_at: slots[slot]!.endsAt, requester_org_id: orgs[0], provider_org_id: orgs[1], partners: [] });

describe('the free places of the schedule board', () => {
  it('an hour-long place is free in room B while room A holds two half-hour meetings in that hour (one room taken, not two)', () => {
    // Room A holds two half-hour meetings of other organizations, at 15:00 and 15:30; room B is empty.
    const meetings = [meeting('m1', 0, 'room-a', ['gov-1', 'agency-1']), meeting('m2', 1, 'room-a', ['gov-2', 'agency-2'])];
    const board = { marketplace, rooms, meetings, busy: new Map(), slots: longSlots(slots, 2) } as unknown as Board;
    const places = placesOnBoard(board, indexBoard(board), ['gov-3', 'agency-3'], null).places.map((p) => `${p.local.time} ${p.roomName}`);
    expect(places).toEqual(['15:00 Room B', '15:30 Room B', '16:00 Room A', '16:00 Room B']);
  });

  it('a half-hour place: each room taken then is left out, and none when every room is', () => {
    const meetings = [meeting('m1', 0, 'room-a', ['gov-1', 'agency-1']), meeting('m2', 0, 'room-b', ['gov-2', 'agency-2']), meeting('m3', 1, 'room-a', ['gov-1', 'agency-2'])];
    const board = { marketplace, rooms, meetings, busy: new Map(), slots } as unknown as Board;
    const places = placesOnBoard(board, indexBoard(board), ['gov-3', 'agency-3'], null).places.map((p) => `${p.local.time} ${p.roomName}`);
    expect(places).toEqual(['15:30 Room B', '16:00 Room A', '16:00 Room B', '16:30 Room A', '16:30 Room B']);
  });
});
