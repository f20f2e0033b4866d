import { z } from 'zod';
import { oneLine, pageCursor, pageLimit, searchText, textField } from '../shared/schema-fields.ts';
import { isCountryCode } from '../shared/reference-data.ts';
import { instant, uuid } from '../shared/answer-fields.ts';
import { membershipStatuses, organizationStatuses } from './organization-status.ts';

export const organizationKinds = [
  'government',
  'un_agency',
  'intergovernmental',
  'ngo',
  'diaspora',
  'research',
  'private_sector',
  'other',
] as const;

export const organizationKindLabels: Record<(typeof organizationKinds)[number], string> = {
  government: 'Government',
  un_agency: 'UN agency',
  intergovernmental: 'Intergovernmental organization',
  ngo: 'NGO',
  diaspora: 'Diaspora group',
  research: 'Research institute',
  private_sector: 'Private sector',
  other: 'Other',
};

export const countryField = z
  .string({ error: 'is required' })
  .trim()
  .toUpperCase()
  .refine(isCountryCode, 'must be an ISO 3166 country code such as BD or BE');

export const setOrganizationBody = z
  .object({
    name: z
      .string({ error: 'is required' })
      .trim()
      .min(2, 'must be at least 2 characters')
      .max(200, 'must be at most 200 characters')
      .regex(oneLine, 'must be on one line'),
    kind: z.enum(organizationKinds, { error: `must be one of ${organizationKinds.join(', ')}` }),
    country: countryField.optional(),
    personName: z.string().trim().max(120, 'must be at most 120 characters').optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.kind === 'government' && !value.country) {
      ctx.addIssue({ code: 'custom', path: ['country'], message: 'is required for a government' });
    }
  });
export type SetOrganizationInput = z.infer<typeof setOrganizationBody>;

export const rejectOrganizationBody = z.object({ reason: textField(5, 2000) }).strict();

/** Refusing a waiting person may say why; they are told. */
export const refuseMembershipBody = z.object({ reason: textField(5, 2000).optional() }).strict();

export const organizationListQuery = z
  .object({
    status: z.enum(organizationStatuses, { error: `must be one of ${organizationStatuses.join(', ')}` }).optional(),
    /** Part of an organization's name, or of a member's address. */
    q: searchText().optional(),
    limit: pageLimit(200, 100),
    cursor: pageCursor(600).optional(),
  })
  .strict();
export type OrganizationListQuery = z.infer<typeof organizationListQuery>;

/** An organization as the API answers it, with where it stands. */
export const organizationAnswer = z
  .object({ id: uuid, name: z.string(), kind: z.enum(organizationKinds), country: z.string().nullable(), status: z.enum(organizationStatuses) })
  .meta({ id: 'Organization' });
export type OrganizationAnswer = z.input<typeof organizationAnswer>;

/**
 * The organization a person named, their membership, and whether they act for it now: a person who
 * created an organization is its active member but acts for it only once it is verified; a person
 * who joined a verified one acts for it once their membership is approved.
 */
export const myOrganizationAnswer = z
  .object({ organization: organizationAnswer, membership: z.enum(membershipStatuses), actsForOrganization: z.boolean() })
  .meta({ id: 'MyOrganization' });
export type MyOrganizationAnswer = z.input<typeof myOrganizationAnswer>;

/** For organizers: an organization with its people and whether each one's membership is approved. */
export const organizationWithMembersAnswer = organizationAnswer
  .extend({
    createdAt: instant,
    members: z.array(z.object({ id: uuid, email: z.string(), name: z.string().nullable(), membership: z.enum(membershipStatuses).nullable() })),
  })
  .meta({ id: 'OrganizationWithMembers' });
export type OrganizationWithMembersAnswer = z.input<typeof organizationWithMembersAnswer>;
