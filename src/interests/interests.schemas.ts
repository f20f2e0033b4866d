import { z } from 'zod';
import { requestCategories, themeField } from '../requests/requests.schemas.ts';
import { isCountryCode } from '../shared/reference-data.ts';
import { isValidTimeZone } from '../shared/time.ts';

export const interestsBody = z
  .object({
    categories: z.array(z.enum(requestCategories, { error: `must be one of ${requestCategories.join(', ')}` })).max(10).default([]),
    themes: z.array(themeField).max(50).default([]),
    countries: z.array(z.string().trim().toUpperCase().refine(isCountryCode, 'must be an ISO 3166 alpha-2 country code such as BD')).max(100).default([]),
    digest: z.boolean({ error: 'must be true or false' }).default(true),
    timeZone: z.string().trim().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Brussels').nullable().optional(),
  })
  .strict();

export type InterestsInput = z.infer<typeof interestsBody>;

/** A person's interests as the API answers them: what the daily digest and the 7-day reminders look for. */
export const interestsAnswer = z
  .object({
    categories: z.array(z.enum(requestCategories)),
    themes: z.array(z.string()),
    countries: z.array(z.string()),
    digest: z.boolean(),
    timeZone: z.string().nullable(),
  })
  .meta({ id: 'Interests' });
export type InterestsAnswer = z.input<typeof interestsAnswer>;

export const followAnswer = z.object({ following: z.boolean() }).meta({ id: 'Following' });
