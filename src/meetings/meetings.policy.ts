import type { MeetingAnswer, MeetingStatus } from '../../db/types.ts';
import type { ActingOrganization, Actor } from '../auth/actor.ts';
import { isRequesterOf } from '../responses/responses.policy.ts';
import type { MeetingParty } from './meeting-links.ts';
import { meetingStatusSets } from './meeting-status.ts';

/** What a meeting policy needs to know of a meeting. */
export interface MeetingForPolicy {
  requester_org_id: string;
  provider_org_id: string;
  /** Providers that answered jointly with the provider: on its side of the meeting. */
  partners: ReadonlyArray<{ id: string }>;
  status: MeetingStatus;
  requester_answer: MeetingAnswer;
  provider_answer: MeetingAnswer;
  /** NULL while the meeting is a draft of the secretariat's (a marketplace that reviews before sending). */
  published_at: Date | null;
  starts_at: Date;
}

/**
 * Which side of a meeting a person is on, if any: a member of the requesting or the providing
 * organization, or of a provider that answered jointly with it (verified, membership active:
 * `actor.organization`, never what they merely named).
 */
export function partyOf(actor: Actor | null, meeting: Pick<MeetingForPolicy, 'requester_org_id' | 'provider_org_id' | 'partners'>): MeetingParty | null {
  if (!actor?.organization) return null;
  if (actor.organization.id === meeting.requester_org_id) return 'requester';
  if (actor.organization.id === meeting.provider_org_id) return 'provider';
  // A partner of providers that answered jointly is on the providing side: it sees the meeting and answers it for that side.
  const { id } = actor.organization;
  if (meeting.partners.some((p) => p.id === id)) return 'provider';
  return null;
}

/** The organizers see every meeting; its two parties see it once it is published; to anyone else it does not exist. */
export function canSeeMeeting(actor: Actor | null, meeting: Pick<MeetingForPolicy, 'requester_org_id' | 'provider_org_id' | 'partners' | 'published_at'>): boolean {
  return !!actor && (actor.isOrganizer || (partyOf(actor, meeting) !== null && meeting.published_at !== null));
}

/** The organizers publish a draft schedule (sending its invitations), and edit its meetings by hand. */
export function canPublishSchedule(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/**
 * A meeting is accepted or declined while it stands and before it starts: once it has started, what
 * came of it is asked after its end (a decline then cancelled a meeting that had taken place, emailed
 * both sides a cancellation, gave its place to another offer and refused the outcome).
 */
export function isAnswerable(meeting: Pick<MeetingForPolicy, 'status' | 'starts_at'>, now = Date.now()): boolean {
  return meetingStatusSets.answerable.includes(meeting.status) && meeting.starts_at.getTime() > now;
}

/** Only its two parties answer a meeting (organizers do not answer for them), and only while it is answerable. */
export function canAnswerMeeting(actor: Actor | null, meeting: MeetingForPolicy, now = Date.now()): boolean {
  return partyOf(actor, meeting) !== null && meeting.published_at !== null && isAnswerable(meeting, now);
}

/** A party that may answer and has not accepted yet: the page offers it the accept button. */
export function canAcceptMeeting(actor: Actor | null, meeting: MeetingForPolicy, now = Date.now()): boolean {
  const party = partyOf(actor, meeting);
  if (!party || !canAnswerMeeting(actor, meeting, now)) return false;
  return (party === 'requester' ? meeting.requester_answer : meeting.provider_answer) !== 'accepted';
}

/**
 * The score and its explanation are for the organizers and the requester (src/matching/score.ts).
 * Not for the provider: one factor says whether the requester marked its response preferred, which
 * nothing else shows a provider.
 */
export function canSeeScore(actor: Actor | null, meeting: Pick<MeetingForPolicy, 'requester_org_id' | 'provider_org_id' | 'partners'>): boolean {
  return !!actor && (actor.isOrganizer || partyOf(actor, meeting) === 'requester');
}

/** The marketplace's timetable (every meeting, the exports, the summary report, the matching runs) is the secretariat's. */
export function canSeeTimetable(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** Organizers start a matching run by hand (it also starts by itself after the deadline, and after a decline). */
export function canRunMatching(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** An organization that may act (verified, active membership) says when it cannot meet. */
export function canDeclareUnavailability(actor: Actor | null): actor is Actor & { organization: ActingOrganization } {
  return !!actor?.organization;
}

/** The meetings of a request are shown on its page to the organizers and the requesting organization. */
export function canSeeMeetingsOfRequest(actor: Actor | null, request: { organization_id: string }): boolean {
  return !!actor && (actor.isOrganizer || isRequesterOf(actor, request));
}

/**
 * The party that declined a meeting may take it back (accept again) until the meeting starts, unless
 * the other party declined too; the database still refuses it when its time or room went elsewhere.
 */
export function partyMayReinstate(party: MeetingParty, meeting: MeetingForPolicy, now = Date.now()): boolean {
  const mine = party === 'requester' ? meeting.requester_answer : meeting.provider_answer;
  const other = party === 'requester' ? meeting.provider_answer : meeting.requester_answer;
  return meeting.status === 'declined' && mine === 'declined' && other !== 'declined' && meeting.starts_at.getTime() > now;
}

export function canReinstateMeeting(actor: Actor | null, meeting: MeetingForPolicy, now = Date.now()): boolean {
  const party = partyOf(actor, meeting);
  return party !== null && partyMayReinstate(party, meeting, now);
}

/** Either party asks for another time while the meeting stands and has not started. */
export function canAskForAnotherTime(actor: Actor | null, meeting: MeetingForPolicy, now = Date.now()): boolean {
  return partyOf(actor, meeting) !== null && meetingStatusSets.active.includes(meeting.status) && meeting.starts_at.getTime() > now;
}
