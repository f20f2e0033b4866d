import { createHmac, timingSafeEqual } from 'node:crypto';

/** A link in the after-meeting email: one side of one meeting tells what came of it without signing in. */
export function outcomeToken(secret: string, meetingId: string, party: string): string {
  return createHmac('sha256', secret).update(`meeting-outcome:${meetingId}:${party}`).digest('base64url');
}

/** A link in the follow-up email: the requester says whether the assistance started. */
export function assistanceToken(secret: string, requestId: string): string {
  return createHmac('sha256', secret).update(`request-assistance:${requestId}`).digest('base64url');
}

export function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
