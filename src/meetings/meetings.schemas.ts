import { z } from 'zod';
import type { MatchingRunsTable, MatchingRunStage } from '../../db/types.ts';
import { timeInputField } from '../shared/time-input.ts';
import { pageQuery } from '../shared/schema-fields.ts';
import { instant, organizationRef, uuid } from '../shared/answer-fields.ts';
import { slugField, sessionRoles } from '../marketplaces/marketplaces.schemas.ts';
import { organizationKinds } from '../organizations/organizations.schemas.ts';
import { requestCategories, requestStatuses } from '../requests/requests.schemas.ts';
import { responseStatuses } from '../responses/response-status.ts';
import { SCORE_WEIGHTS, type ScoreFactor } from '../matching/score.ts';
import { SOLVE_METHODS } from '../matching/instance.schema.ts';
import { PLAN_STEPS } from './matching-plan.ts';
import { meetingAnswers, meetingStatuses } from './meeting-status.ts';
import type { ScheduleStage } from './matching-schedule.ts';

/** The requester (or an organizer) marks a response preferred for the matching. */
export const preferredBody = z.object({ preferred: z.boolean({ error: 'must be true or false' }) }).strict();

/** The requester's mark on a response before the run. */
export const markBody = z
  .object({
    mark: z
      .enum(['must', 'like', 'exclude'], { error: 'must be "must", "like", "exclude" or null' })
      .nullable()
      .meta({ description: '"must" meet (scheduled ahead of offers without the mark), "like" (counts in the score, as preferred), "exclude" (never matched), or null (no mark)' }),
  })
  .strict();

/** When an organization cannot meet during the forum (API and page alike). */
export const unavailabilityBody = z.object({ startsAt: timeInputField, endsAt: timeInputField, note: z.string().trim().max(300).optional() }).strict();

/**
 * A marketplace's slug in a path: a malformed one answers 404 for the marketplace, like an unknown
 * one. Here rather than in src/http/operation.ts while the marketplaces' operations are declared in
 * another branch; one of the two goes when they meet.
 */
export const marketplaceSlug = slugField.meta({ description: "The marketplace's slug, such as gfmd-2007", notFound: 'The marketplace' });

const scoreFactors = Object.keys(SCORE_WEIGHTS) as [ScoreFactor, ...ScoreFactor[]];

/** One factor of a meeting's score, explained (src/matching/score.ts). */
export const scorePartAnswer = z
  .object({
    factor: z.enum(scoreFactors),
    weight: z.number(),
    fit: z.number().meta({ description: '0 to 1' }),
    points: z.number().meta({ description: 'weight × fit, rounded to 3 decimals' }),
    explanation: z.string(),
  })
  .meta({ id: 'ScorePart' });

/** A side's contact person on a meeting: name and address. */
const contactAnswer = z.object({ name: z.string().nullable(), email: z.string() }).strict();

/** A page of a marketplace's meetings (the API's timetable): 200 unless given, at most 500. */
export const marketplaceMeetingsQuery = pageQuery(500, 200);
export type MarketplaceMeetingsQuery = z.infer<typeof marketplaceMeetingsQuery>;

/** Declining may say why; the other party and the secretariat read it. */
export const declineBody = z.object({ reason: z.string().trim().max(1000, 'must be at most 1,000 characters').optional() }).strict();

/** Asking for another time may say which times suit. */
export const anotherTimeBody = z.object({ note: z.string().trim().max(1000, 'must be at most 1,000 characters').optional() }).strict();

/** What "accept all" did: the meetings now accepted by the caller's side, and those that became confirmed. */
export const acceptAllAnswer = z.object({ accepted: z.array(uuid), confirmed: z.array(uuid) }).strict().meta({ id: 'AcceptAll' });

/** A free slot and room for a meeting (the secretariat's hand edits). */
export const placeAnswer = z
  .object({ place: z.string().meta({ description: 'What `move` takes to put the meeting here' }), startsAt: instant, endsAt: instant, room: z.string() })
  .strict()
  .meta({ id: 'FreePlace' });

export const pinBody = z.object({ pinned: z.boolean({ error: 'must be true or false' }).meta({ description: 'true pins the meeting (no run moves it), false lets runs move it again when that gains more than the move penalty' }) }).strict();
export const moveBody = z.object({ place: z.string({ error: 'is required' }).min(1, 'is required').max(100).meta({ description: 'One of the places that `listMeetingPlaces` answers' }) }).strict();

const previewMeeting = z
  .object({ id: uuid, requestTitle: z.string(), requester: z.string(), provider: z.string(), startsAt: instant, room: z.string(), published: z.boolean(), status: z.string() })
  .strict();

/** What a matching run would change now (nothing is changed by asking). */
export const previewAnswer = z
  .object({
    kept: z.number().int(),
    created: z.array(previewMeeting),
    moved: z.array(z.object({ from: previewMeeting, to: previewMeeting }).strict()),
    cancelled: z.array(previewMeeting),
    gap: z.number().nullable().meta({ description: "The solver's gap to its bound, as a fraction" }),
    stoppedOnTimeLimit: z.boolean().meta({
      description: 'The time limit (MATCHING_TIME_LIMIT_SECONDS, the same as the run\'s) stopped a solve or left out one that might have improved the plan: the run may then differ',
    }),
  })
  .strict()
  .meta({ id: 'MatchingPreview' });

/** What publishing a draft schedule did. */
export const publishAnswer = z
  .object({ published: z.number().int().meta({ description: 'Meetings that were a draft and are now shown to their parties' }), emails: z.number().int().meta({ description: 'Emails queued' }) })
  .strict()
  .meta({ id: 'Publication' });

/** A person's private calendar feed: the address to download (https) and to subscribe (webcal). */
export const calendarFeedAnswer = z
  .object({ url: z.string().meta({ description: 'https address of the .ics file; keep it private' }), webcalUrl: z.string().meta({ description: 'The same as webcal://, for calendar clients to subscribe' }) })
  .strict()
  .meta({ id: 'CalendarFeed' });

/** A side meeting as the API answers it. `score` and `scoreParts` only for organizers and the requester. */
export const meetingAnswer = z
  .object({
    id: uuid,
    marketplace: z.string().meta({ description: "The marketplace's slug" }),
    request: z.object({ id: uuid, title: z.string() }),
    alsoRequests: z
      .array(z.object({ id: uuid, title: z.string() }).strict())
      .meta({ description: 'One meeting per pair of organizations: the other requests of the requester this meeting also serves (empty for most)' }),
    requester: organizationRef,
    provider: organizationRef,
    partners: z.array(organizationRef).meta({ description: 'Providers that answered jointly with the provider and meet the requester together (empty for most)' }),
    offer: z.string().meta({ description: "The response's summary" }),
    room: z.string(),
    startsAt: instant,
    endsAt: instant,
    status: z.enum(meetingStatuses),
    requesterAnswer: z.enum(meetingAnswers),
    providerAnswer: z.enum(meetingAnswers),
    sequence: z.number().int().meta({ description: 'The calendar SEQUENCE: grows with each change of time, room or status' }),
    contacts: z
      .object({ requester: contactAnswer.nullable(), provider: contactAnswer.nullable() })
      .strict()
      .meta({ description: 'The person who comes for each side: the author of the request and of the response' }),
    declineReason: z.string().nullable().meta({ description: 'What the party who declined wrote, if anything' }),
    published: z.boolean().meta({ description: 'False while the meeting is a draft that only organizers see (a marketplace that reviews before sending)' }),
    pinned: z.boolean().meta({ description: 'Pinned by the secretariat, or placed by hand: no matching run moves it' }),
    anotherTimeAsked: z
      .object({ by: z.enum(['requester', 'provider']), note: z.string().nullable(), at: instant })
      .strict()
      .nullable()
      .meta({ description: 'A party asked for another time; the next matching run moves the meeting' }),
    score: z.number().optional(),
    scoreParts: z.array(scorePartAnswer).optional(),
  })
  .strict()
  .meta({ id: 'Meeting' });
/** A meeting's JSON (not `MeetingAnswer`: that is a party's accept or decline, in db/types.ts). */
export type MeetingJson = z.input<typeof meetingAnswer>;

const runTriggers = ['deadline', 'organizer', 'decline', 'sweep'] as const satisfies readonly MatchingRunsTable['trigger'][];
const runStatuses = ['queued', 'running', 'done', 'failed', 'abandoned'] as const satisfies readonly MatchingRunsTable['status'][];
const runMethods = [...SOLVE_METHODS, 'none'] as const;

/** What a matching run changed (RunChanges in matching-run.service.ts). */
export const runChangesAnswer = z
  .object({
    kept: z.number().int(),
    created: z.number().int(),
    moved: z.number().int(),
    cancelled: z.number().int(),
    requestsMatched: z.number().int().meta({ description: 'Requests this run made matched; 0 under "review", where the publication changes the statuses' }),
    responsesNotMatched: z.number().int().meta({ description: 'Responses this run made not matched; 0 under "review", where the publication changes the statuses' }),
  })
  .strict();

/** How the optimizer solved it; the first five are absent when there was nothing to solve. */
/** What the schedule after a run is like to attend (src/meetings/schedule-quality.ts). */
export const scheduleQualityAnswer = z
  .object({
    meetings: z.number().int(),
    perDay: z.array(z.object({ date: z.string(), meetings: z.number().int() }).strict()),
    busiestDayShare: z.number().meta({ description: 'The share of meetings on the busiest day' }),
    organizations: z.number().int(),
    mostInADay: z.object({ organizationId: z.string(), date: z.string(), meetings: z.number().int() }).strict().nullable(),
    longRuns: z.number().int().meta({ description: 'Runs of more than 3 back-to-back meetings of one organization' }),
    longestRun: z.number().int(),
    roomChanges: z.number().int().meta({ description: 'Back-to-back meetings of one organization in different rooms' }),
  })
  .strict()
  .meta({ id: 'ScheduleQuality' });

export const runStatsAnswer = z
  .object({
    offers: z.number().int().optional(),
    seconds: z.number().optional(),
    method: z.enum(SOLVE_METHODS).optional(),
    bound: z.number().optional(),
    gap: z.number().optional(),
    stoppedOnTimeLimit: z.boolean().optional().meta({ description: 'The solver stopped at its time limit with the best schedule found (the gap says how far from the bound)' }),
    unscheduled: z.number().int().meta({ description: 'Pairs the matching chose that found no common free slot and room' }),
    timings: z.record(z.string(), z.number()).optional().meta({ description: 'Seconds per stage: loading, solving, writing, emails' }),
    quality: scheduleQualityAnswer.optional(),
    replan: z
      .object({
        replan: z.boolean().meta({ description: 'Whether the run took the re-plan that moves proposed meetings' }),
        moved: z.number().int().meta({ description: 'Proposed meetings the re-plan moves or drops' }),
        served: z.object({ keep: z.number().int(), replan: z.number().int() }).strict().meta({ description: 'Requesting governments with a meeting, keeping every meeting and re-planning' }),
        score: z.object({ keep: z.number(), replan: z.number() }).strict().meta({ description: 'Total score of the meetings, both ways, before the penalty' }),
        penalty: z.number().meta({ description: "The marketplace's move penalty at the run" }),
      })
      .strict()
      .optional()
      .meta({ description: 'Present when the run also solved with the proposed meetings free (some were movable and pairs were left without a meeting)' }),
    skipped: z
      .array(z.enum(PLAN_STEPS))
      .optional()
      .meta({
        description:
          'Solves that would only have improved the plan, left out because the time limit was spent: jointApart (joint meetings that found no place, offered apart), replan (proposed meetings free), replanJointApart',
      }),
  })
  .strict();

const runStages = ['queued', 'waiting', 'loading', 'solving', 'storing', 'done', 'failed', 'abandoned'] as const satisfies readonly MatchingRunStage[];

/** The solver's latest progress, while it solves and after. */
export const runProgressAnswer = z
  .object({
    phase: z.string().meta({ description: 'relaxation, heuristic, exact or done' }),
    seconds: z.number(),
    objective: z.number().optional(),
    bound: z.number().optional(),
    gap: z.number().optional().meta({ description: 'How far the best schedule so far may be from the best possible, as a fraction of the bound' }),
  })
  .strict();

/**
 * A matching run: queued (asked for, not yet taken by a worker), running, done (with what it changed),
 * failed (with its error), or abandoned (its worker process ended during it: nothing of it was stored,
 * and a later run redoes it).
 */
export const matchingRunAnswer = z
  .object({
    id: uuid,
    marketplaceId: uuid,
    trigger: z.enum(runTriggers),
    startedBy: uuid.nullable().meta({ description: 'The organizer who started it by hand' }),
    status: z.enum(runStatuses).meta({ description: 'queued, running, done, failed (error says why), or abandoned: its worker process ended during it, nothing of it was stored, and a later run redoes it' }),
    stage: z.enum(runStages).meta({ description: 'What a running run is doing: waiting for the run before it, loading, solving, storing; queued before a worker takes it' }),
    progress: runProgressAnswer.nullable(),
    startedAt: instant,
    finishedAt: instant.nullable(),
    durationSeconds: z.number().nullable().meta({ description: 'From the start to the end, once ended' }),
    method: z.enum(runMethods).nullable(),
    objective: z.number().nullable().meta({ description: 'The sum of the scores of the meetings placed' }),
    bound: z.number().nullable().meta({ description: 'An upper bound of the best objective, when the method proves one' }),
    stats: runStatsAnswer.nullable(),
    changes: runChangesAnswer.nullable(),
    error: z.string().nullable(),
  })
  .strict()
  .meta({ id: 'MatchingRun' });
export type MatchingRunAnswer = z.input<typeof matchingRunAnswer>;

/** What POST /marketplaces/{slug}/matching-runs answers: the run, stored queued and listed at once. */
export const queuedRunAnswer = z.object({ runId: uuid.meta({ description: 'The run, in the list of runs (status queued until a worker takes it)' }), jobId: z.string(), status: z.literal('queued') }).strict();

/** A time an organization declared it cannot meet. */
export const unavailabilityAnswer = z
  .object({ id: uuid, startsAt: instant, endsAt: instant, note: z.string().nullable() })
  .strict()
  .meta({ id: 'Unavailability' });
export type UnavailabilityAnswer = z.input<typeof unavailabilityAnswer>;

const count = z.number().int();

/** The summary matrix of a marketplace (the note's Annex 2): who offered and met on what, and who holds which agenda role. */
export const reportAnswer = z
  .object({
    categories: z.array(z.object({ code: z.enum(requestCategories), label: z.string() }).strict()),
    sessions: z.array(z.object({ code: z.string(), title: z.string() }).strict()),
    organizations: z.array(
      z
        .object({
          organizationId: uuid,
          name: z.string(),
          kind: z.enum(organizationKinds),
          byCategory: z.object(Object.fromEntries(requestCategories.map((c) => [c, z.object({ responses: count, meetings: count }).strict()])) as Record<(typeof requestCategories)[number], z.ZodObject<{ responses: typeof count; meetings: typeof count }>>).strict(),
          sessions: z.record(z.string(), z.array(z.enum(sessionRoles))).meta({ description: 'Agenda roles by session code' }),
        })
        .strict(),
    ),
    counts: z
      .object({
        requests: z.partialRecord(z.enum(requestStatuses), count),
        responses: z.partialRecord(z.enum(responseStatuses), count),
        meetings: z.partialRecord(z.enum(meetingStatuses), count),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'Report' });
export type ReportAnswer = z.input<typeof reportAnswer>;

const scheduleStages = ['waiting', 'scheduling', 'draft', 'scheduled'] as const satisfies readonly ScheduleStage[];

/** Where a marketplace's side-meeting schedule stands (getScheduleState), as the pages tell it. */
export const scheduleStateAnswer = z
  .object({
    stage: z.enum(scheduleStages).meta({
      description:
        'waiting: the matching runs at `matchingAt` (the deadline and review window are ahead); scheduling: its time passed and no run has finished yet; draft: meetings wait for the secretariat to publish them (`meetingPublication: "review"`); scheduled: the schedule stands and its parties were invited (or there was nothing to schedule)',
    }),
    matchingAt: instant.meta({ description: 'When the matching runs by itself: the last deadline of the requests plus the review window' }),
  })
  .strict();
