import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { operation, pathParams, recordId } from '../http/operation.ts';
import { listOf } from '../shared/answer-fields.ts';
import { publishSchedule } from './publication.service.ts';
import { previewMatching, type PreviewMeeting } from './matching-preview.service.ts';
import { moveMeetingByOrganizer, pinMeetingByOrganizer, placesForMeeting, removeMeetingByOrganizer } from './meeting-edits.service.ts';
import { isoInZone } from '../shared/time.ts';
import { previewAnswer, moveBody, pinBody, placeAnswer, acceptAllAnswer, publishAnswer, anotherTimeBody, calendarFeedAnswer, declineBody, marketplaceMeetingsQuery, marketplaceSlug, matchingRunAnswer, meetingAnswer, queuedRunAnswer, reportAnswer, scheduleStateAnswer, unavailabilityAnswer, unavailabilityBody } from './meetings.schemas.ts';
import { FEED_REMINDER_MINUTES, myCalendarFeed, resetMyCalendarFeed } from './calendar-feed.service.ts';
import { acceptAllMeetings, answerMeetingAsMember, askForAnotherTime, declareUnavailability, getMeetingFor, listMarketplaceMeetingsPage, listMatchingRuns, listMyMeetings, requestMatchingRun } from './meetings.service.ts';
import { marketplaceReport, reportToJson } from './report.service.ts';
import { matchingRunToJson, meetingToJson, unavailabilityToJson } from './meetings.export.ts';
import { canSeeScore } from './meetings.policy.ts';
import { getScheduleState } from './matching-schedule.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';

const meetingParams = pathParams({ id: recordId('The meeting') });

/** A meeting as the API answers it to this caller (the score only for those canSeeScore allows). */
async function meetingAsSeenBy(ctx: AppContext, actor: Actor | null, id: string) {
  const meeting = await getMeetingFor(ctx, actor, id);
  return meetingToJson(meeting, { withScore: canSeeScore(actor, meeting) });
}
const marketplaceParams = pathParams({ slug: marketplaceSlug });

/** Matching runs, side meetings, unavailability and the summary report over the API. */
export const meetingOperations = [
  operation({
    operationId: 'startMatchingRun',
    method: 'post',
    path: '/marketplaces/{slug}/matching-runs',
    tag: 'Matching',
    summary: 'Start a matching run now',
    description:
      'A run also starts by itself after the marketplace deadline and after a declined meeting. It keeps the meetings that still hold and solves the rest; runs of one marketplace take turns. The run shows in the list of runs at once, queued until a worker takes it; if the queue loses its job, the sweep queues it again.',
    allow: ['organizer'],
    params: marketplaceParams,
    status: 202,
    answer: queuedRunAnswer,
    handler: (ctx, { actor, params }) => requestMatchingRun(ctx, actor, params.slug),
  }),
  operation({
    operationId: 'previewMatchingRun',
    method: 'get',
    path: '/marketplaces/{slug}/matching-runs/preview',
    tag: 'Matching',
    summary: 'What a matching run would change now, without changing anything',
    description:
      "The meetings it would keep, create, move and cancel, planned as the organizer's run plans, within the same time limit (MATCHING_TIME_LIMIT_SECONDS). Start the run to apply it; something that changes meanwhile changes the run, and so may a plan the time limit cut short (`stoppedOnTimeLimit`).",
    allow: ['organizer'],
    params: marketplaceParams,
    status: 200,
    answer: previewAnswer,
    async handler(ctx, { actor, params }) {
      const preview = await previewMatching(ctx, actor, params.slug);
      const tz = preview.marketplace.time_zone;
      const json = (m: PreviewMeeting) => ({ ...m, startsAt: isoInZone(m.startsAt, tz) });
      return { kept: preview.kept, created: preview.created.map(json), moved: preview.moved.map((m) => ({ from: json(m.from), to: json(m.to) })), cancelled: preview.cancelled.map(json), gap: preview.gap, stoppedOnTimeLimit: preview.stoppedOnTimeLimit };
    },
  }),
  operation({
    operationId: 'publishSchedule',
    method: 'post',
    path: '/marketplaces/{slug}/schedule/publish',
    tag: 'Matching',
    summary: "Publish the draft schedule: its meetings' parties see them and get their invitations",
    description:
      'For a marketplace with `meetingPublication: "review"`, where a run\'s new meetings are a draft that only organizers see. Also sends the notes to responders left without a meeting and each requester the summary of its meetings. Publishing with no draft publishes nothing and sends nothing twice.',
    allow: ['organizer'],
    params: marketplaceParams,
    status: 200,
    answer: publishAnswer,
    handler: (ctx, { actor, params }) => publishSchedule(ctx, actor, params.slug),
  }),
  operation({
    operationId: 'getScheduleState',
    method: 'get',
    path: '/marketplaces/{slug}/schedule',
    tag: 'Matching',
    summary: "Where the marketplace's side-meeting schedule stands: waiting for the deadline, being scheduled, a draft, or scheduled",
    description: 'What the marketplace page tells everyone after the deadline, for clients that wait for the invitations.',
    allow: ['anyone'],
    params: marketplaceParams,
    status: 200,
    answer: scheduleStateAnswer,
    async handler(ctx, { params }) {
      const marketplace = await findMarketplace(ctx, params.slug);
      const state = (await getScheduleState(ctx, marketplace.id))!;
      return { stage: state.stage, matchingAt: isoInZone(state.matchingAt, marketplace.time_zone) };
    },
  }),
  operation({
    operationId: 'listMatchingRuns',
    method: 'get',
    path: '/marketplaces/{slug}/matching-runs',
    tag: 'Matching',
    summary: "A marketplace's last 50 matching runs, latest first",
    allow: ['organizer'],
    params: marketplaceParams,
    status: 200,
    answer: listOf(matchingRunAnswer),
    async handler(ctx, { actor, params }) {
      const { marketplace, runs } = await listMatchingRuns(ctx, actor, params.slug);
      return { items: runs.map((r) => matchingRunToJson(r, marketplace.time_zone)), nextCursor: null };
    },
  }),
  operation({
    operationId: 'listMarketplaceMeetings',
    method: 'get',
    path: '/marketplaces/{slug}/meetings',
    tag: 'Meetings',
    summary: "A marketplace's timetable: every proposed or confirmed meeting, by time and room, with its score",
    description: 'By start time, then room, `limit` at a time (200 unless given, at most 500); `nextCursor` gives the next page.',
    allow: ['organizer'],
    params: marketplaceParams,
    query: marketplaceMeetingsQuery,
    status: 200,
    answer: listOf(meetingAnswer),
    async handler(ctx, { actor, params, query }) {
      const page = await listMarketplaceMeetingsPage(ctx, actor, params.slug, query);
      return { items: page.items.map((m) => meetingToJson(m, { withScore: canSeeScore(actor, m) })), nextCursor: page.nextCursor };
    },
  }),
  operation({
    operationId: 'getMarketplaceReport',
    method: 'get',
    path: '/marketplaces/{slug}/report',
    tag: 'Matching',
    summary: 'The summary matrix: responses and meetings of each organization by category, and its agenda roles',
    allow: ['organizer'],
    params: marketplaceParams,
    status: 200,
    answer: reportAnswer,
    handler: async (ctx, { actor, params }) => reportToJson(await marketplaceReport(ctx, actor, params.slug)),
  }),
  operation({
    operationId: 'declareUnavailability',
    method: 'post',
    path: '/marketplaces/{slug}/unavailability',
    tag: 'Meetings',
    summary: 'Say when your organization cannot meet during the forum',
    description:
      'The next matching run schedules no meeting for your organization at that time (besides the agenda sessions where it holds a role). Times as a local date and time in the marketplace\'s zone (`2007-07-10T09:00`), a date (the whole day) or an instant with an offset.',
    allow: ['verified-member'],
    params: marketplaceParams,
    body: unavailabilityBody,
    status: 201,
    answer: unavailabilityAnswer,
    handler: async (ctx, { actor, params, body }) => unavailabilityToJson(await declareUnavailability(ctx, actor, params.slug, body)),
  }),
  operation({
    operationId: 'listMyMeetings',
    method: 'get',
    path: '/meetings',
    tag: 'Meetings',
    summary: "My organization's side meetings, ended ones included",
    description: 'Empty until your organization is verified and your membership approved. The score is shown to the requester, not the provider.',
    allow: ['signed-in'],
    status: 200,
    answer: listOf(meetingAnswer),
    async handler(ctx, { actor }) {
      const meetings = await listMyMeetings(ctx, actor);
      return { items: meetings.map((m) => meetingToJson(m, { withScore: canSeeScore(actor, m) })), nextCursor: null };
    },
  }),
  operation({
    operationId: 'getMeeting',
    method: 'get',
    path: '/meetings/{id}',
    tag: 'Meetings',
    summary: 'A side meeting',
    description: 'The score is shown to organizers and the requester, not the provider.',
    allow: ['requester', 'provider', 'organizer'],
    params: meetingParams,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params }) {
      return meetingAsSeenBy(ctx, actor, params.id);
    },
  }),
  operation({
    operationId: 'acceptMeeting',
    method: 'post',
    path: '/meetings/{id}/accept',
    tag: 'Meetings',
    summary: 'Accept a side meeting (confirmed once both parties accept)',
    description:
      'Accepting twice changes nothing. The party that declined a meeting may accept it again until it starts, unless the other party declined too: it stands again if its time and room are still free, 409 otherwise.',
    allow: ['requester', 'provider'],
    params: meetingParams,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params }) {
      await answerMeetingAsMember(ctx, actor, params.id, 'accepted');
      return meetingAsSeenBy(ctx, actor, params.id);
    },
  }),
  operation({
    operationId: 'declineMeeting',
    method: 'post',
    path: '/meetings/{id}/decline',
    tag: 'Meetings',
    summary: 'Decline a side meeting, optionally saying why (its slot goes to the next best offer)',
    description:
      'The other party is told, with the reason. A matching run a little later (DECLINE_RERUN_DELAY_SECONDS) offers the request its next best provider or slot; until then, and until the meeting starts, accepting it again takes the decline back. 409 once the meeting was declined or cancelled.',
    allow: ['requester', 'provider'],
    params: meetingParams,
    body: declineBody,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params, body }) {
      await answerMeetingAsMember(ctx, actor, params.id, 'declined', body.reason || null);
      return meetingAsSeenBy(ctx, actor, params.id);
    },
  }),
  operation({
    operationId: 'acceptAllMeetings',
    method: 'post',
    path: '/meetings/accept-all',
    tag: 'Meetings',
    summary: "Accept every proposed meeting that waits for your organization's answer",
    description: 'Meetings your side accepted or declined already are left as they are. Empty lists for anyone without a verified organization.',
    allow: ['signed-in'],
    status: 200,
    answer: acceptAllAnswer,
    handler: (ctx, { actor }) => acceptAllMeetings(ctx, actor),
  }),
  operation({
    operationId: 'askForAnotherTime',
    method: 'post',
    path: '/meetings/{id}/another-time',
    tag: 'Meetings',
    summary: 'Ask for another time for a side meeting',
    description:
      "The secretariat sees the request on its timetable; your organization is marked unavailable at the meeting's current time, so the next matching run moves the meeting (both parties are asked again). 409 once the meeting ended or started.",
    allow: ['requester', 'provider'],
    params: meetingParams,
    body: anotherTimeBody,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params, body }) {
      await askForAnotherTime(ctx, actor, params.id, body.note || null);
      return meetingAsSeenBy(ctx, actor, params.id);
    },
  }),
  operation({
    operationId: 'listMeetingPlaces',
    method: 'get',
    path: '/meetings/{id}/places',
    tag: 'Matching',
    summary: 'Where a meeting could move: every forum slot and room free then for the room and both organizations',
    description: 'Slots when either organization has another meeting (in this marketplace or another), an agenda role or a declared unavailability are left out, as the matching run leaves them out.',
    allow: ['organizer'],
    params: meetingParams,
    status: 200,
    answer: listOf(placeAnswer),
    async handler(ctx, { actor, params }) {
      const { meeting, places } = await placesForMeeting(ctx, actor, params.id);
      return { items: places.map((p) => ({ place: p.key, startsAt: isoInZone(p.startsAt, meeting.time_zone), endsAt: isoInZone(p.endsAt, meeting.time_zone), room: p.roomName })), nextCursor: null };
    },
  }),
  operation({
    operationId: 'moveMeeting',
    method: 'post',
    path: '/meetings/{id}/move',
    tag: 'Matching',
    summary: 'Move a meeting to a free place (the secretariat)',
    description: 'Both answers go back to pending and, if the meeting was published, both parties get the new invitation. 422 for a place that is not free; 409 if the database finds a double booking meanwhile.',
    allow: ['organizer'],
    params: meetingParams,
    body: moveBody,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params, body }) {
      const meeting = (await moveMeetingByOrganizer(ctx, actor, params.id, body.place))!;
      return meetingToJson(meeting, { withScore: true });
    },
  }),
  operation({
    operationId: 'pinMeeting',
    method: 'post',
    path: '/meetings/{id}/pin',
    tag: 'Matching',
    summary: 'Pin or unpin a meeting (the secretariat)',
    description:
      "A re-run moves a proposed meeting only when that gains more than the marketplace's `movePenalty`; a pinned one it never moves (a meeting moved or added by hand is pinned). Nobody is emailed. 409 for a meeting that ended.",
    allow: ['organizer'],
    params: meetingParams,
    body: pinBody,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params, body }) {
      const meeting = (await pinMeetingByOrganizer(ctx, actor, params.id, body.pinned))!;
      return meetingToJson(meeting, { withScore: true });
    },
  }),
  operation({
    operationId: 'removeMeeting',
    method: 'post',
    path: '/meetings/{id}/remove',
    tag: 'Matching',
    summary: 'Remove a meeting from the schedule (the secretariat)',
    description: 'It is cancelled; if it was published, both parties get the cancellation. Later runs do not schedule that offer again.',
    allow: ['organizer'],
    params: meetingParams,
    status: 200,
    answer: meetingAnswer,
    async handler(ctx, { actor, params }) {
      const meeting = (await removeMeetingByOrganizer(ctx, actor, params.id))!;
      return meetingToJson(meeting, { withScore: true });
    },
  }),
  operation({
    operationId: 'getMyCalendar',
    method: 'get',
    path: '/me/calendar',
    tag: 'Meetings',
    summary: "Your private calendar feed's address",
    description: `A calendar of your organization's side meetings (tentative, confirmed or cancelled), with a reminder ${FEED_REMINDER_MINUTES} minutes before each, that calendar clients subscribe to. Anyone with the address reads it: keep it private, and reset it if it leaked.`,
    allow: ['signed-in'],
    status: 200,
    answer: calendarFeedAnswer,
    handler: (ctx, { actor }) => myCalendarFeed(ctx, actor),
  }),
  operation({
    operationId: 'resetMyCalendar',
    method: 'post',
    path: '/me/calendar/reset',
    tag: 'Meetings',
    summary: 'Revoke your calendar feed address and get a new one',
    allow: ['signed-in'],
    status: 200,
    answer: calendarFeedAnswer,
    handler: (ctx, { actor }) => resetMyCalendarFeed(ctx, actor),
  }),
];
