import { z } from 'zod';
import { oneLine } from '../shared/schema-fields.ts';
import { isCountryCode } from '../shared/reference-data.ts';

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

export const organizationListQuery = z
  .object({ status: z.enum(['pending', 'verified', 'rejected']).optional() })
  .strict();
