import { z } from 'zod';
import { oneLine } from '../shared/schema-fields.ts';
import { isValidTimeZone } from '../shared/time.ts';
import { clockField, dateField, timeInputField } from '../shared/time-input.ts';
import { instant, uuid } from '../shared/answer-fields.ts';

export const sessionRoles = ['chair', 'coordinator', 'rapporteur', 'speaker', 'discussant', 'co_organizer', 'contributor'] as const;

export const slugField = z
  .string({ error: 'is required' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes, such as gfmd-2007');

const roleInput = z
  .object({
    organizationId: z.string().uuid('must be an organization id').optional(),
    organization: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').optional(),
    role: z.enum(sessionRoles, { error: `must be one of ${sessionRoles.join(', ')}` }),
    note: z.string().trim().max(500, 'must be at most 500 characters').optional(),
  })
  .strict()
  .refine((r) => r.organizationId || r.organization, { message: 'needs organizationId or organization (its name)', path: ['organization'] });

const sessionInput = z
  .object({
    code: z.string({ error: 'is required' }).trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, 'must be a short code such as 1.2'),
    title: z.string({ error: 'is required' }).trim().min(2, 'must be at least 2 characters').max(300, 'must be at most 300 characters'),
    startsAt: timeInputField,
    endsAt: timeInputField,
    roles: z.array(roleInput).max(100, 'must have at most 100 entries').default([]),
  })
  .strict();

/** A limit on an organization's side meetings, 1-48, or null for none. */
const meetingLimit = (description: string) =>
  z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(48, 'must be at most 48').nullable().meta({ description });

const marketplaceFields = {
  slug: slugField,
  name: z
    .string({ error: 'is required' })
    .trim()
    .min(3, 'must be at least 3 characters')
    .max(200, 'must be at most 200 characters')
    .regex(oneLine, 'must be on one line'),
  timeZone: z.string({ error: 'is required' }).trim().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Brussels'),
  opensAt: timeInputField,
  responseDeadline: timeInputField,
  forumStartsAt: dateField,
  forumEndsAt: dateField,
  meetingMinutes: z.number({ error: 'must be a number' }).int('must be a whole number').min(10, 'must be at least 10').max(240, 'must be at most 240'),
  sideMeetingsFrom: clockField,
  sideMeetingsUntil: clockField,
  sealedResponses: z.boolean({ error: 'must be true or false' }),
  meetingPublication: z.enum(['review', 'immediate'], { error: 'must be "review" or "immediate"' }).meta({
    description: '"review" (the default): a matching run\'s new meetings are a draft that only organizers see until they publish the schedule, which sends the invitations; "immediate": the run sends them itself',
  }),
  questionDays: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(60, 'must be at most 60')
    .meta({ description: "Questions on a request close this many days before its response deadline (0: at the deadline); a request may close them earlier" }),
  reviewHours: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of hours')
    .min(0, 'must be at least 0')
    .max(720, 'must be at most 720 (30 days)')
    .meta({ description: 'The review window: the matching runs this many hours after the last request closed, so that requesters read their responses and mark them first (0: at once). The secretariat may start it earlier.' }),
  maxMeetingsPerDay: meetingLimit('The most side meetings one organization has in a forum day, in either role (null: no limit). The matching run never exceeds it.'),
  breakAfter: meetingLimit('After this many side meetings back to back, an organization gets a free slot before its next one (null: no limit). The matching run never exceeds it.'),
  movePenalty: z
    .number({ error: 'must be a number' })
    .min(0, 'must be at least 0')
    .max(100, 'must be at most 100')
    .nullable()
    .meta({
      description:
        'How many score points a re-run must gain for each proposed meeting it moves or drops (null: re-runs never move a proposed meeting). Confirmed and pinned meetings never move; a run that serves one more government than keeping them takes the move whatever the points.',
    }),
  lateChangeDays: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(30, 'must be at most 30')
    .meta({ description: "When a requester changes what it asks (category, description, expected outcome, countries, languages) within this many days of the deadline, the deadline moves to this many days after the change, never past the forum's start (0: never)" }),
  followupWeeks: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(52, 'must be at most 52')
    .meta({ description: "Weeks after the forum's last day when each requester that had side meetings is asked whether the assistance started" }),
  noMeetingWindows: z
    .array(
      z
        .object({
          startsAt: timeInputField,
          endsAt: timeInputField,
          label: z.string({ error: 'is required' }).trim().min(2, 'must be at least 2 characters').max(200, 'must be at most 200 characters').regex(oneLine, 'must be on one line'),
        })
        .strict(),
    )
    .max(50, 'must have at most 50 entries')
    .meta({ description: 'Times with no side meetings at all, such as a Civil Society Day: a date alone is the whole day (from 00:00 to 23:59)' }),
  rooms: z
    .array(z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'))
    .max(200, 'must have at most 200 entries')
    .refine((rooms) => new Set(rooms.map((r) => r.toLowerCase())).size === rooms.length, 'must not name a room twice'),
  sessions: z
    .array(sessionInput)
    .max(500, 'must have at most 500 entries')
    .refine((s) => new Set(s.map((x) => x.code)).size === s.length, 'must not use a session code twice'),
};

export const createMarketplaceBody = z
  .object({
    ...marketplaceFields,
    meetingMinutes: marketplaceFields.meetingMinutes.default(30),
    sideMeetingsFrom: marketplaceFields.sideMeetingsFrom.default('09:00'),
    sideMeetingsUntil: marketplaceFields.sideMeetingsUntil.default('18:00'),
    sealedResponses: marketplaceFields.sealedResponses.default(false),
    meetingPublication: marketplaceFields.meetingPublication.default('review'),
    noMeetingWindows: marketplaceFields.noMeetingWindows.default([]),
    questionDays: marketplaceFields.questionDays.default(7),
    reviewHours: marketplaceFields.reviewHours.default(48),
    maxMeetingsPerDay: marketplaceFields.maxMeetingsPerDay.default(null),
    movePenalty: marketplaceFields.movePenalty.default(0.5),
    breakAfter: marketplaceFields.breakAfter.default(3),
    lateChangeDays: marketplaceFields.lateChangeDays.default(3),
    followupWeeks: marketplaceFields.followupWeeks.default(6),
    rooms: marketplaceFields.rooms.default([]),
    sessions: marketplaceFields.sessions.default([]),
  })
  .strict();

export const updateMarketplaceBody = z.object(marketplaceFields).partial().strict();

export type CreateMarketplaceInput = z.infer<typeof createMarketplaceBody>;
export type UpdateMarketplaceInput = z.infer<typeof updateMarketplaceBody>;
export type SessionInput = z.infer<typeof sessionInput>;

/**
 * A marketplace's slug in an API path: a malformed one is a 404 for the marketplace, like an unknown
 * one (never a 422, never a database or cache lookup). Operations take it as `pathParams({ slug: marketplaceSlug })`.
 */
export const marketplaceSlug = slugField.meta({ description: "The marketplace's slug, such as gfmd-2007", notFound: 'The marketplace' });

const localDate = z.iso.date().meta({ description: 'A local date (YYYY-MM-DD)' });
const clock = z.string().regex(/^\d{2}:\d{2}$/).meta({ description: 'A local time of day (HH:MM)' });

/** A marketplace with its rooms and agenda, as the API answers it. */
export const marketplaceAnswer = z
  .object({
    id: uuid,
    slug: z.string(),
    name: z.string(),
    timeZone: z.string().meta({ description: 'IANA time zone, such as Europe/Brussels' }),
    opensAt: instant,
    responseDeadline: instant,
    forumStartsAt: localDate,
    forumEndsAt: localDate,
    meetingMinutes: z.number().int(),
    sideMeetingsFrom: clock,
    sideMeetingsUntil: clock,
    sealedResponses: z.boolean(),
    meetingPublication: z.enum(['review', 'immediate']),
    questionDays: z.number().int(),
    reviewHours: z.number().int(),
    maxMeetingsPerDay: z.number().int().nullable(),
    movePenalty: z.number().nullable(),
    breakAfter: z.number().int().nullable(),
    lateChangeDays: z.number().int(),
    followupWeeks: z.number().int(),
    noMeetingWindows: z.array(z.object({ startsAt: instant, endsAt: instant, label: z.string() }).strict()),
    rooms: z.array(z.object({ id: uuid, name: z.string() })),
    sessions: z.array(
      z.object({
        id: uuid,
        code: z.string(),
        title: z.string(),
        startsAt: instant,
        endsAt: instant,
        roles: z.array(z.object({ organizationId: uuid, organizationName: z.string(), role: z.enum(sessionRoles), note: z.string().nullable() })),
      }),
    ),
  })
  .meta({ id: 'Marketplace' });

/** A marketplace in the list of marketplaces. */
export const marketplaceSummaryAnswer = z
  .object({ slug: z.string(), name: z.string(), timeZone: z.string(), responseDeadline: instant, openRequests: z.number().int() })
  .meta({ id: 'MarketplaceSummary' });

/** A deadline extension: how many requests follow the marketplace's deadline and moved with it. */
export const deadlineExtensionAnswer = z.object({ requestsMoved: z.number().int() }).meta({ id: 'DeadlineExtension' });

export type MarketplaceAnswer = z.input<typeof marketplaceAnswer>;
export type MarketplaceSummaryAnswer = z.input<typeof marketplaceSummaryAnswer>;
