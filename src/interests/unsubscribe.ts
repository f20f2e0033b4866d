import { createHmac, timingSafeEqual } from 'node:crypto';

/** A link that turns off one person's digest without signing in (RFC 8058 one-click). */
export function unsubscribeToken(secret: string, userId: string): string {
  return `${userId}.${createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url')}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const [userId, signature] = token.split('.');
  if (!userId || !signature || !/^[0-9a-f-]{36}$/.test(userId)) return null;
  const expected = Buffer.from(unsubscribeToken(secret, userId).split('.')[1]!);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? userId : null;
}
