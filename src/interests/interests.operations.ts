import { operation, pathParams, recordId } from '../http/operation.ts';
import { followAnswer, interestsAnswer, interestsBody, type InterestsAnswer } from './interests.schemas.ts';
import { getMyInterests, setFollowing, setMyInterests } from './interests.service.ts';

type Interests = Awaited<ReturnType<typeof getMyInterests>>;

export function interestsToJson(i: Interests): InterestsAnswer {
  return { categories: i.categories as InterestsAnswer['categories'], themes: i.themes, countries: i.countries, digest: i.digest, timeZone: i.timeZone };
}

const requestParams = pathParams({ id: recordId('The request') });

/** What a person wants to hear about: the requests they follow, and the interests the digest and reminders use. */
export const interestOperations = [
  operation({
    operationId: 'getMyInterests',
    method: 'get',
    path: '/me/interests',
    tag: 'Account',
    summary: 'Your interests, daily digest and time zone',
    allow: ['signed-in'],
    status: 200,
    answer: interestsAnswer,
    handler: async (ctx, { actor }) => interestsToJson(await getMyInterests(ctx, actor)),
  }),
  operation({
    operationId: 'setMyInterests',
    method: 'put',
    path: '/me/interests',
    tag: 'Account',
    summary: 'Set your interests, daily digest and time zone',
    description:
      'A request fits your interests when it meets every list you filled in (an empty list means any). The digest and the 7-day "nobody answered" emails go only to members of verified organizations; `timeZone` (an IANA zone, or null for the marketplace\'s) is how pages show times to you.',
    allow: ['signed-in'],
    body: interestsBody,
    status: 200,
    answer: interestsAnswer,
    handler: async (ctx, { actor, body }) => interestsToJson(await setMyInterests(ctx, actor, body)),
  }),
  ...([true, false] as const).map((follow) =>
    operation({
      operationId: follow ? 'followRequest' : 'unfollowRequest',
      method: follow ? 'put' : 'delete',
      path: '/requests/{id}/follow',
      tag: 'Requests',
      summary: follow ? 'Follow a request: reminders before its deadline' : 'Stop following a request',
      description:
        'Following is a person\'s own, not their organization\'s: anyone signed in who can see the request may follow it, including a person whose organization or membership is not verified yet. A request you cannot see is a 404.',
      allow: ['signed-in'],
      params: requestParams,
      status: 200,
      answer: followAnswer,
      handler: (ctx, { actor, params }) => setFollowing(ctx, actor, params.id, follow),
    }),
  ),
];
