import { operation, pathParams, recordId } from '../http/operation.ts';
import { marketplaceSlug } from '../marketplaces/marketplaces.schemas.ts';
import { assistanceAnswer, assistanceBody, funnelAnswer, outcomeAnswer, outcomeBody } from './outcomes.schemas.ts';
import { funnelToJson, outcomeFunnel, recordAssistance, recordOutcome } from './outcomes.service.ts';

/** Outcomes: what came of each meeting, whether the assistance started, and the funnel report. */
export const outcomeOperations = [
  operation({
    operationId: 'recordMeetingOutcome',
    method: 'post',
    path: '/meetings/{id}/outcome',
    tag: 'Outcomes',
    summary: 'Tell what came of a meeting, once it has ended (each side; a later call changes the answer)',
    description:
      '`outcome` is one of `did_not_take_place`, `not_enough_interest`, `useful_no_cooperation`, `cooperation_possible`. 409 before the meeting ends, or for a meeting that was declined or cancelled. Both sides are also emailed one-click links after the end.',
    allow: ['requester', 'provider'],
    params: pathParams({ id: recordId('The meeting') }),
    body: outcomeBody,
    status: 200,
    answer: outcomeAnswer,
    handler: (ctx, { actor, params, body }) => recordOutcome(ctx, actor, params.id, body),
  }),
  operation({
    operationId: 'recordAssistance',
    method: 'put',
    path: '/requests/{id}/assistance',
    tag: 'Outcomes',
    summary: 'Tell whether the assistance started (the requester, after the close)',
    description: '`status` is one of `started`, `in_preparation`, `not_started`. Some weeks after the forum the requester is also emailed one-click links.',
    allow: ['requester', 'organizer'],
    params: pathParams({ id: recordId('The request') }),
    body: assistanceBody,
    status: 200,
    answer: assistanceAnswer,
    handler: (ctx, { actor, params, body }) => recordAssistance(ctx, actor, params.id, body),
  }),
  operation({
    operationId: 'getOutcomeFunnel',
    method: 'get',
    path: '/marketplaces/{slug}/report/funnel',
    tag: 'Outcomes',
    summary: 'The outcome funnel: requests, with responses, matched, meetings held, cooperation possible, assistance started',
    description: 'In all, by category and by requesting organization. A request counts at a stage when any of its meetings got there, by either side’s word.',
    allow: ['organizer'],
    params: pathParams({ slug: marketplaceSlug }),
    status: 200,
    answer: funnelAnswer,
    handler: async (ctx, { actor, params }) => funnelToJson(await outcomeFunnel(ctx, actor, params.slug)),
  }),
];
