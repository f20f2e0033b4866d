import { createHmac, timingSafeEqual } from 'node:crypto';

export type MeetingParty = 'requester' | 'provider';

/** A link in the invitation that lets one party answer without signing in. */
export function meetingAnswerToken(secret: string, meetingId: string, party: MeetingParty): string {
  return createHmac('sha256', secret).update(`meeting-answer:${meetingId}:${party}`).digest('base64url');
}

export function verifyMeetingAnswerToken(secret: string, meetingId: string, party: string, token: string): party is MeetingParty {
  if (party !== 'requester' && party !== 'provider') return false;
  const expected = Buffer.from(meetingAnswerToken(secret, meetingId, party));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A person's private calendar feed is addressed by their id and this token, signed with the feed's
 * version: adding one to `users.calendar_feed_version` revokes every earlier address. Nothing secret is
 * stored; rotating SESSION_SECRET revokes every feed.
 */
export function calendarFeedToken(secret: string, userId: string, version: number): string {
  return createHmac('sha256', secret).update(`calendar-feed:${userId}:${version}`).digest('base64url');
}

export function verifyCalendarFeedToken(secret: string, userId: string, version: number, token: string): boolean {
  const expected = Buffer.from(calendarFeedToken(secret, userId, version));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
