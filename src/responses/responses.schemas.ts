import { z } from 'zod';
import { oneLine, pageQuery, textField } from '../shared/schema-fields.ts';
import { isLanguageCode } from '../shared/reference-data.ts';
import { requestCategories } from '../requests/requests.schemas.ts';
import { instant, organizationRef, uuid } from '../shared/answer-fields.ts';
import { responseStatuses } from './response-status.ts';

export const modalities = ['in_person', 'remote', 'either'] as const;
export const modalityLabels: Record<(typeof modalities)[number], string> = { in_person: 'In person', remote: 'Remote', either: 'In person or remote' };
export const fundings = ['provider_covers', 'needs_funding', 'shared'] as const;
export const fundingLabels: Record<(typeof fundings)[number], string> = {
  provider_covers: 'We cover the costs',
  needs_funding: 'Needs funding',
  shared: 'Costs shared',
};

const text = textField;

const responseFields = {
  summary: text(5, 300).regex(oneLine, 'must be on one line'),
  details: text(20, 5000),
  offerCategories: z
    .array(z.enum(requestCategories, { error: `must be one of ${requestCategories.join(', ')}` }), { error: 'must be a list' })
    .min(1, 'must name at least one category')
    .max(requestCategories.length)
    .transform((c) => [...new Set(c)]),
  modality: z.enum(modalities, { error: `must be one of ${modalities.join(', ')}` }),
  languages: z
    .array(z.string().trim().toLowerCase().refine(isLanguageCode, 'must be an ISO 639-1 language code such as en or fr'), { error: 'must be a list' })
    .min(1, 'must name at least one language')
    .max(20)
    .transform((c) => [...new Set(c)]),
  funding: z.enum(fundings, { error: `must be one of ${fundings.join(', ')}` }),
};

export const createResponseBody = z
  .object({
    ...responseFields,
    /** Save without submitting: the requester does not see a draft, and reminders nudge its author. */
    draft: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict();

export const updateResponseBody = z.object(responseFields).partial().strict();

export type CreateResponseInput = z.infer<typeof createResponseBody>;
export type UpdateResponseInput = z.infer<typeof updateResponseBody>;

/** A response as the API answers it. */
export const responseAnswer = z
  .object({
    id: uuid,
    requestId: uuid,
    organization: organizationRef,
    summary: z.string(),
    details: z.string(),
    offerCategories: z.array(z.enum(requestCategories)),
    modality: z.enum(modalities),
    languages: z.array(z.string()),
    funding: z.enum(fundings),
    status: z.enum(responseStatuses),
    submittedAt: instant.nullable(),
    updatedAt: instant,
  })
  .meta({ id: 'Response' });

/** Presenting jointly: the organization a response names (null: alone). */
export const jointBody = z.object({ organizationId: z.uuid({ error: 'must be the id of an organization' }).nullable() }).strict();

export const jointAnswer = z
  .object({
    jointWith: organizationRef.nullable(),
    mutual: z.boolean().meta({ description: 'The named organization answered the same request and named this one back: the two meet the requester together' }),
  })
  .strict()
  .meta({ id: 'JointResponse' });

/** The pages of my organization's responses (keyset, soonest deadline first). */
export const myResponsesQuery = pageQuery(200, 50);
export type MyResponsesQuery = z.infer<typeof myResponsesQuery>;

/** One of my organization's responses, with its request. */
export const myResponseAnswer = responseAnswer.extend({ request: z.object({ id: uuid, title: z.string(), status: z.string() }) }).meta({ id: 'MyResponse' });
export type ResponseAnswer = z.input<typeof responseAnswer>;
