import { z } from 'zod';
import { timeInputField } from '../shared/time-input.ts';

/** The requester (or an organizer) marks a response preferred for the matching. */
export const preferredBody = z.object({ preferred: z.boolean({ error: 'must be true or false' }) }).strict();

/** When an organization cannot meet during the forum (API and page alike). */
export const unavailabilityBody = z.object({ startsAt: timeInputField, endsAt: timeInputField, note: z.string().trim().max(300).optional() }).strict();
