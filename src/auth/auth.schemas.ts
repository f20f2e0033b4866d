import { z } from 'zod';

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
