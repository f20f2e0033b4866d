import type { MeetingStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { partyOf } from '../meetings/meetings.policy.ts';
import { meetingStatusSets } from '../meetings/meeting-status.ts';

/**
 * Only the two sides tell what came of a meeting, once it has ended and if it stood (published, not
 * declined or cancelled). The page asks this to show its form; the database write checks the end by
 * its own clock.
 */
export function canRecordOutcome(
  actor: Actor | null,
  meeting: { requester_org_id: string; provider_org_id: string; status: MeetingStatus; published_at: Date | null; ends_at: Date },
  now: Date,
): boolean {
  // The outcome is one per side: the requester's and the provider's own (a joint partner's is not asked).
  return partyOf(actor, { ...meeting, partners: [] }) !== null && meeting.published_at !== null && meetingStatusSets.active.includes(meeting.status) && meeting.ends_at <= now;
}
