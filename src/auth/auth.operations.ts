import { operation } from '../http/operation.ts';
import { requireActor } from './actor.ts';
import { negotiateLocale } from '../i18n/i18n.ts';
import { magicLinkAnswer, magicLinkBody, meAnswer, tokenAnswer, tokenBody } from './auth.schemas.ts';
import { meToJson, requestSignInLink, signInWithToken, signOut } from './auth.service.ts';

/** Sign-in by emailed link, the bearer token it gives an API client, and who the caller is. */
export const authOperations = [
  operation({
    operationId: 'requestSignInLink',
    method: 'post',
    path: '/auth/magic-link',
    tag: 'Sign-in',
    summary: 'Email a one-time sign-in link (valid 10 minutes)',
    description:
      'The answer is the same whether or not the address has an account, so it tells nobody which addresses do; only the rate limits (per address and per IP) refuse, with 429 and Retry-After. `next` is a path on this site to open after signing in.',
    allow: ['anyone'],
    body: magicLinkBody,
    status: 202,
    answer: magicLinkAnswer,
    async handler(ctx, { body, req }) {
      await requestSignInLink(ctx, { email: body.email, ip: req.ip ?? 'unknown', next: body.next, locale: negotiateLocale(req.get('accept-language')) });
      return { message: 'If this address can sign in, a sign-in link is on its way. It works once, for 10 minutes.' };
    },
  }),
  operation({
    operationId: 'exchangeSignInToken',
    method: 'post',
    path: '/auth/token',
    tag: 'Sign-in',
    summary: "Exchange a sign-in link's token for a bearer access token",
    description: 'The `token` parameter of the emailed link works once; a used or expired one is a 401. Send the access token as `Authorization: Bearer <accessToken>`.',
    allow: ['anyone'],
    body: tokenBody,
    status: 200,
    answer: tokenAnswer,
    async handler(ctx, { body, req }) {
      const session = await signInWithToken(ctx, { token: body.token, ip: req.ip ?? 'unknown', kind: 'api' });
      return { accessToken: session.sessionToken, tokenType: 'Bearer' as const, expiresInDays: session.expiresInDays, user: { id: session.user.id, email: session.user.email } };
    },
  }),
  operation({
    operationId: 'signOut',
    method: 'post',
    path: '/auth/sign-out',
    tag: 'Sign-in',
    summary: 'End this access token',
    allow: ['signed-in'],
    status: 204,
    async handler(ctx, { actor, req }) {
      requireActor(actor);
      // A signed-in caller came with its token (authenticateApi sets both).
      await signOut(ctx, req.sessionToken!);
    },
  }),
  operation({
    operationId: 'getMe',
    method: 'get',
    path: '/me',
    tag: 'Account',
    summary: 'Who you are: the organization you named, where it stands, and whether you act for it',
    description:
      '`actsForOrganization` is true only once an organizer verified the organization and your membership is active: a person who created an organization waits for its verification (`organization.status` pending, `membership` active), one who joined an existing one waits for the approval of their membership (`membership` pending).',
    allow: ['signed-in'],
    status: 200,
    answer: meAnswer,
    handler: (_ctx, { actor }) => meToJson(requireActor(actor)),
  }),
];
