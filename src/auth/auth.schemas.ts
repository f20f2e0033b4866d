import { z } from 'zod';
import { uuid } from '../shared/answer-fields.ts';
import { organizationAnswer } from '../organizations/organizations.schemas.ts';
import { membershipStatuses } from '../organizations/organization-status.ts';

export const emailField = z
  .string({ error: 'is required' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .email('must be an email address such as name@ministry.gov');

/** Only a path on this site: never an open redirect to another host. */
export const nextPathField = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this site')
  .optional();

export const magicLinkBody = z.object({ email: emailField, next: nextPathField }).strict();
export const tokenBody = z.object({ token: z.string({ error: 'is required' }).min(10, 'is not a sign-in token').max(200, 'is not a sign-in token') }).strict();

/** The answer to a sign-in link request: the same whether or not the address has an account. */
export const magicLinkAnswer = z.object({ message: z.string() });

/** A bearer token for the API, from a sign-in link's token. */
export const tokenAnswer = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresInDays: z.number().int(),
  user: z.object({ id: uuid, email: z.string() }),
});

/**
 * Who the caller is: the organization they named and where it stands (`organization.status`,
 * `membership`), and whether they act for it (`actsForOrganization`: only once it is verified and
 * their membership active).
 */
export const meAnswer = z
  .object({
    id: uuid,
    email: z.string(),
    name: z.string().nullable(),
    isOrganizer: z.boolean(),
    locale: z.string(),
    timeZone: z.string().nullable(),
    organization: organizationAnswer.nullable(),
    membership: z.enum(membershipStatuses).nullable(),
    actsForOrganization: z.boolean(),
  })
  .meta({ id: 'Me' });
export type MeAnswer = z.input<typeof meAnswer>;
