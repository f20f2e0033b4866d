import type { MeetingAnswer, MeetingStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { conflict } from '../shared/errors.ts';
import type { Tx } from '../shared/transaction.ts';
import type { MeetingParty } from './meeting-links.ts';
import { endMeeting, reinstateMeeting, setMeetingAnswer, type MeetingRow } from './meetings.repository.ts';
import { writeMeetings, type MeetingWrites, type WrittenMeeting } from './matching-store.repository.ts';
import { cancellationReasons } from './meeting-notifications.ts';

export const meetingStatuses = ['proposed', 'confirmed', 'declined', 'cancelled'] as const satisfies readonly MeetingStatus[];
export const meetingAnswers = ['pending', 'accepted', 'declined'] as const satisfies readonly MeetingAnswer[];

/** The named sets of meeting statuses: each rule that asks "is it one of these" uses one of them. */
export const meetingStatusSets: Record<'all' | 'active' | 'answerable' | 'ended', readonly MeetingStatus[]> = {
  /** Every status: what the parties see in their list, ended meetings included, so a decline or a cancellation does not just vanish. */
  all: meetingStatuses,
  /** Holds its room and its parties' time: on the timetable and in the exports, counted as a match, kept by the next run if it still holds. */
  active: ['proposed', 'confirmed'],
  /** Its parties can still accept or decline it (a confirmed meeting can still be declined). */
  answerable: ['proposed', 'confirmed'],
  /** Over: its room and time are free again, and its response is not offered to the request again. */
  ended: ['declined', 'cancelled'],
};

export type MeetingAction = 'accept' | 'confirm' | 'decline' | 'reinstate' | 'cancel' | 'move';

/**
 * Every legal move of a meeting's status. A run proposes a meeting (an INSERT, not a move here).
 * `accept` is the first party's yes (still proposed), `confirm` the second one's; either party may
 * decline until the meeting starts (`isAnswerable`, meetings.policy.ts); a run cancels a meeting that no longer holds, or moves it to
 * another time or room, which makes it proposed again with both answers pending.
 */
export const meetingTransitions: Record<MeetingAction, { from: readonly MeetingStatus[]; to: MeetingStatus }> = {
  accept: { from: ['proposed'], to: 'proposed' },
  confirm: { from: ['proposed'], to: 'confirmed' },
  decline: { from: ['proposed', 'confirmed'], to: 'declined' },
  /** The party that declined changes its mind before the meeting starts: proposed again, or confirmed if the other party had accepted. */
  reinstate: { from: ['declined'], to: 'proposed' },
  cancel: { from: ['proposed', 'confirmed'], to: 'cancelled' },
  move: { from: ['proposed', 'confirmed'], to: 'proposed' },
};

const verbs: Record<MeetingAction, string> = {
  accept: 'accepted',
  confirm: 'accepted',
  decline: 'declined',
  reinstate: 'accepted again',
  cancel: 'cancelled',
  move: 'moved',
};

/** A party's answer, with what the audit row should say of it (a run's moves and cancellations go through `writeRunMeetings`). */
export type MeetingChange = { action: 'accept' | 'confirm' | 'decline' | 'reinstate'; party: MeetingParty; via: 'page' | 'email link'; reason?: string | null };

/** The 409 of a move the table does not allow, in the words a party reads. */
export function meetingTransitionRefusal(status: MeetingStatus, action: MeetingAction) {
  return conflict('meeting-ended', `This meeting was ${status}; it cannot be ${verbs[action]} any more.`);
}

/**
 * The one place a meeting changes status: it refuses a move the table does not allow with 409,
 * writes the change as a conditional UPDATE (from the table's statuses, so a stale reader changes
 * nothing) and its audit row, in the caller's transaction. Returns the changed row, or undefined when
 * the meeting left those statuses since the caller read it (a party declined while a run was solving).
 */
export async function changeMeetingStatus(tx: Tx, actor: Actor | 'system', meeting: { id: string; status: MeetingStatus; requester_answer?: MeetingAnswer; provider_answer?: MeetingAnswer }, change: MeetingChange): Promise<MeetingRow | undefined> {
  const rule = meetingTransitions[change.action];
  if (!rule.from.includes(meeting.status)) throw meetingTransitionRefusal(meeting.status, change.action);
  const column = change.party === 'requester' ? 'requester_answer' : 'provider_answer';
  const changed =
    change.action === 'decline'
      ? // The reason stored is one of the texts translated where it is shown (a calendar feed in French read 'Annulée : declined by the requester').
        await endMeeting(tx, meeting.id, 'declined', cancellationReasons[change.party === 'requester' ? 'requesterDeclined' : 'providerDeclined'], { [column]: 'declined' }, rule.from, change.reason ?? null)
      : change.action === 'reinstate'
        ? await reinstate(tx, meeting.id, column, otherAnswer(meeting, change.party) === 'accepted' ? 'confirmed' : rule.to)
        : await setMeetingAnswer(tx, meeting.id, column, 'accepted', rule.to, rule.from);
  if (changed) {
    await recordAudit(tx, actor, { entity: 'meeting', entityId: meeting.id, action: change.action, fromStatus: meeting.status, toStatus: changed.status, detail: { party: change.party, via: change.via, ...(change.reason ? { reason: change.reason } : {}) } });
  }
  return changed;
}

function otherAnswer(meeting: { requester_answer?: MeetingAnswer; provider_answer?: MeetingAnswer }, party: MeetingParty): MeetingAnswer | undefined {
  return party === 'requester' ? meeting.provider_answer : meeting.requester_answer;
}

/** Reinstates a declined meeting, or refuses with 409 when its time or room went to another meeting since. */
async function reinstate(tx: Tx, meetingId: string, column: 'requester_answer' | 'provider_answer', status: MeetingStatus) {
  try {
    return await reinstateMeeting(tx, meetingId, column, status);
  } catch (error) {
    if ((error as { code?: string }).code === '23P01') {
      throw conflict('meeting-slot-taken', 'Since you declined, this time or room went to another meeting (yours or the other party’s), so the meeting cannot stand again. Ask the secretariat for another time.');
    }
    throw error;
  }
}

/**
 * The set form of `move` and `cancel`, for a matching run: one statement moves, cancels and creates
 * the run's meetings from the table's statuses (a meeting a party declined since the run read it
 * stays declined, and a declined or withdrawn offer gets no new meeting) and writes the audit rows.
 * Returns what it wrote. The caller defers the double-booking checks to its commit.
 */
export async function writeRunMeetings(tx: Tx, actor: Actor | 'system', writes: MeetingWrites): Promise<WrittenMeeting[]> {
  return writeMeetings(tx, writes, actor);
}
