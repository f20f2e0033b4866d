import { z } from 'zod';
import type { RequestStatus } from '../../db/types.ts';
import { oneLine, pageCursor, pageLimit, searchText, textField } from '../shared/schema-fields.ts';
import { isCountryCode, isLanguageCode } from '../shared/reference-data.ts';
import { timeInputField } from '../shared/time-input.ts';
import { instant, organizationRef, uuid } from '../shared/answer-fields.ts';

export const requestCategories = ['training', 'advice', 'capacity_building', 'equipment', 'project_development', 'other'] as const;
export const requestCategoryLabels: Record<(typeof requestCategories)[number], string> = {
  training: 'Training',
  advice: 'Advice',
  capacity_building: 'Capacity building',
  equipment: 'Equipment',
  project_development: 'Project development',
  other: 'Other initiative',
};
export const requestStatuses = ['submitted', 'open', 'rejected', 'withdrawn', 'closed', 'matched'] as const satisfies readonly RequestStatus[];

const text = textField;

export const themeField = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(60, 'must be at most 60 characters')
  .regex(/^[^<>\r\n]+$/, 'must be plain text on one line');

const requestFields = {
  title: text(5, 200).regex(oneLine, 'must be on one line'),
  category: z.enum(requestCategories, { error: `must be one of ${requestCategories.join(', ')}` }),
  themes: z
    .array(themeField, { error: 'must be a list' })
    .max(20, 'must have at most 20 themes')
    .transform((themes) => [...new Set(themes)]),
  description: text(20, 5000),
  expectedOutcome: text(10, 2000),
  countries: z
    .array(
      // The entry as given is named in the message ("Qatarr is not a country"), before it is upper-cased.
      z
        .string()
        .trim()
        .refine((v) => isCountryCode(v.toUpperCase()), { error: (issue) => `${String(issue.input)} is not a country: give its name or its ISO 3166 code, such as BD` })
        .transform((v) => v.toUpperCase()),
      { error: 'must be a list' },
    )
    .min(1, 'must name at least one country')
    .max(60, 'must have at most 60 countries')
    .transform((codes) => [...new Set(codes)]),
  languages: z
    .array(
      z
        .string()
        .trim()
        .refine((v) => isLanguageCode(v.toLowerCase()), { error: (issue) => `${String(issue.input)} is not a language: give its name or its ISO 639-1 code, such as en or fr` })
        .transform((v) => v.toLowerCase()),
      { error: 'must be a list' },
    )
    .min(1, 'must name at least one language')
    .max(20, 'must have at most 20 languages')
    .transform((codes) => [...new Set(codes)]),
  maxMatches: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20'),
  responseDeadline: timeInputField.nullable(),
  /** Questions close earlier than the marketplace's default (null: the default). */
  questionDeadline: timeInputField.nullable().meta({ description: "An earlier close for questions than the marketplace's default (that many days before the response deadline); null for the default" }),
  /** Responses shown to the requester only after the close. */
  sealedResponses: z.boolean({ error: 'must be true or false' }),
};

export const createRequestBody = z
  .object({
    ...requestFields,
    themes: requestFields.themes.default([]),
    maxMatches: requestFields.maxMatches.default(3),
    responseDeadline: requestFields.responseDeadline.optional(),
    sealedResponses: requestFields.sealedResponses.default(false),
    questionDeadline: requestFields.questionDeadline.optional(),
  })
  .strict();

export const changeDeadlineBody = z
  .object({
    responseDeadline: timeInputField,
    reason: z.string().trim().max(1000, 'must be at most 1000 characters').optional().meta({ description: "Why, kept in the request's history and told to the people emailed (for example when the secretariat overrides a deadline a late change moved)" }),
  })
  .strict();

export const updateRequestBody = z.object(requestFields).partial().strict();

export const rejectRequestBody = z.object({ reason: text(5, 2000) }).strict();

export const browseRequestsQuery = z
  .object({
    status: z.enum([...requestStatuses, 'any'], { error: `must be one of ${requestStatuses.join(', ')} or any` }).optional().meta({ description: '`any`: every status the caller may list; without it, the open requests' }),
    category: z.enum(requestCategories, { error: `must be one of ${requestCategories.join(', ')}` }).optional(),
    theme: themeField.optional(),
    country: z.string().trim().toUpperCase().refine(isCountryCode, 'must be an ISO 3166 alpha-2 country code').optional(),
    language: z.string().trim().toLowerCase().refine(isLanguageCode, 'must be an ISO 639-1 language code').optional(),
    q: searchText().optional(),
    mine: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: pageLimit(100, 20),
    cursor: pageCursor().optional(),
  })
  .strict();

export type CreateRequestInput = z.infer<typeof createRequestBody>;
export type UpdateRequestInput = z.infer<typeof updateRequestBody>;
export type BrowseRequestsQuery = z.infer<typeof browseRequestsQuery>;

/** A request as the API answers it. `rejectionReason` only for its organization and the organizers (`seesRequestInternals`). */
export const requestAnswer = z
  .object({
    id: uuid,
    marketplace: z.string().meta({ description: "The marketplace's slug" }),
    organization: organizationRef.extend({ country: z.string().nullable() }),
    title: z.string(),
    category: z.enum(requestCategories),
    themes: z.array(z.string()),
    description: z.string(),
    expectedOutcome: z.string(),
    countries: z.array(z.string()),
    languages: z.array(z.string()),
    maxMatches: z.number().int(),
    responseDeadline: instant,
    questionDeadline: instant.meta({ description: 'Providers ask questions about the request until then' }),
    status: z.enum(requestStatuses),
    responseCount: z.number().int(),
    sealedResponses: z.boolean(),
    rejectionReason: z.string().nullable().optional().meta({ description: 'Why it was not published; only for the requesting organization and the organizers' }),
    createdAt: instant,
    publishedAt: instant.nullable(),
    closedAt: instant.nullable(),
  })
  .meta({ id: 'Request' });

export type RequestAnswer = z.input<typeof requestAnswer>;
