import { z } from 'zod';
import { operation, pathParams, recordId } from '../http/operation.ts';
import { AppError } from '../shared/errors.ts';
import { listOf } from '../shared/answer-fields.ts';
import { createResponseBody, jointAnswer, jointBody, myResponseAnswer, myResponsesQuery, responseAnswer, updateResponseBody } from './responses.schemas.ts';
import { changeResponse, createResponse, getResponse, listMyResponses, listVisibleResponses, responseToJson, setResponseJointWith } from './responses.service.ts';
import { markPreferred, markResponse } from '../meetings/meetings.service.ts';
import { markBody, preferredBody } from '../meetings/meetings.schemas.ts';
import { receiptSchema } from './receipts.ts';
import { getReceipt, receiptKey, verifyReceipt } from './receipts.service.ts';
import { marketplaceSlug } from '../marketplaces/marketplaces.schemas.ts';

const requestParams = pathParams({ id: recordId('The request') });
const responseParams = pathParams({ id: recordId('The response') });

/** Responses over the API: one per organization, sealed until the close where asked, changed only before the deadline. */
export const responseOperations = [
  operation({
    operationId: 'createResponse',
    method: 'post',
    path: '/requests/{id}/responses',
    tag: 'Responses',
    summary: 'Respond to a request (one per organization; 409 after the deadline)',
    description: 'With `draft: true` the response is saved without being sent to the requester. A second response of the same organization is a 409 whose Location is the first.',
    allow: ['other-verified-member'],
    params: requestParams,
    body: createResponseBody,
    status: 201,
    answer: responseAnswer,
    async handler(ctx, { actor, params, body, res }) {
      try {
        const response = await createResponse(ctx, actor, params.id, body);
        res.location(`/api/v1/responses/${response.id}`);
        return responseToJson(response, response.time_zone);
      } catch (error) {
        const existingId = (error as { existingId?: string }).existingId;
        if (error instanceof AppError && existingId) res.setHeader('Location', `/api/v1/responses/${existingId}`);
        throw error;
      }
    },
  }),
  operation({
    operationId: 'listResponsesOfRequest',
    method: 'get',
    path: '/requests/{id}/responses',
    tag: 'Responses',
    summary: 'The responses of a request that you may see',
    description:
      'Organizers see all; the requesting organization sees the submitted ones (after the close when sealed: then `sealedUntilClose` is true and the list empty); a responding organization sees its own; anyone else an empty list.',
    allow: ['signed-in'],
    params: requestParams,
    status: 200,
    answer: listOf(responseAnswer).extend({ sealedUntilClose: z.boolean() }),
    async handler(ctx, { actor, params }) {
      const { request, items, sealedUntilClose } = await listVisibleResponses(ctx, actor, params.id);
      return { items: items.map((r) => responseToJson(r, request.time_zone)), sealedUntilClose, nextCursor: null };
    },
  }),
  operation({
    operationId: 'getResponse',
    method: 'get',
    path: '/responses/{id}',
    tag: 'Responses',
    summary: 'A response',
    allow: ['provider', 'requester', 'organizer'],
    description: 'The requester reads it once it is submitted, and, when responses are sealed, after the close.',
    params: responseParams,
    status: 200,
    answer: responseAnswer,
    async handler(ctx, { actor, params }) {
      const response = await getResponse(ctx, actor, params.id);
      return responseToJson(response, response.time_zone);
    },
  }),
  operation({
    operationId: 'updateResponse',
    method: 'patch',
    path: '/responses/{id}',
    tag: 'Responses',
    summary: 'Edit a response until the deadline',
    allow: ['provider'],
    params: responseParams,
    body: updateResponseBody,
    status: 200,
    answer: responseAnswer,
    async handler(ctx, { actor, params, body }) {
      const response = await changeResponse(ctx, actor, params.id, 'edit', body);
      return responseToJson(response, response.time_zone);
    },
  }),
  ...(['submit', 'withdraw'] as const).map((action) =>
    operation({
      operationId: `${action}Response`,
      method: 'post',
      path: `/responses/{id}/${action}`,
      tag: 'Responses',
      summary: action === 'submit' ? 'Submit a draft or withdrawn response (before the deadline)' : 'Withdraw a response (before the deadline)',
      allow: ['provider'],
      params: responseParams,
      status: 200,
      answer: responseAnswer,
      async handler(ctx, { actor, params }) {
        const response = await changeResponse(ctx, actor, params.id, action);
        return responseToJson(response, response.time_zone);
      },
    }),
  ),
  operation({
    operationId: 'listMyResponses',
    method: 'get',
    path: '/me/responses',
    tag: 'Responses',
    summary: "My organization's responses, with their requests",
    description: 'Soonest deadline first, `limit` at a time (50 unless given, at most 200); `nextCursor` gives the next page. Empty until your organization is verified and your membership approved.',
    allow: ['signed-in'],
    query: myResponsesQuery,
    status: 200,
    answer: listOf(myResponseAnswer),
    async handler(ctx, { actor, query }) {
      const page = await listMyResponses(ctx, actor, query);
      return { items: page.items.map((r) => ({ ...responseToJson(r, r.time_zone), request: { id: r.request_id, title: r.request_title, status: r.request_status } })), nextCursor: page.nextCursor };
    },
  }),
  operation({
    operationId: 'markResponsePreferred',
    method: 'put',
    path: '/responses/{id}/preferred',
    tag: 'Responses',
    summary: 'The requester marks a response preferred (the matching score counts it)',
    description: 'Only once the requester may read the response: a sealed one after the close.',
    allow: ['requester', 'organizer'],
    params: responseParams,
    body: preferredBody,
    status: 200,
    answer: z.object({ preferred: z.boolean() }),
    handler: (ctx, { actor, params, body }) => markPreferred(ctx, actor, params.id, body.preferred),
  }),
  operation({
    operationId: 'markResponse',
    method: 'put',
    path: '/responses/{id}/mark',
    tag: 'Responses',
    summary: 'The requester marks a response "must meet", "would like" or "not this one" before the matching run',
    description: 'Only once the requester may read the response: a sealed one after the close. "like" is the same as marking it preferred; "exclude" keeps it out of every later run, and the next run cancels a meeting it already has.',
    allow: ['requester', 'organizer'],
    params: responseParams,
    body: markBody,
    status: 200,
    answer: z.object({ mark: z.enum(['must', 'like', 'exclude']).nullable() }),
    handler: (ctx, { actor, params, body }) => markResponse(ctx, actor, params.id, body.mark),
  }),
  operation({
    operationId: 'setResponseJoint',
    method: 'put',
    path: '/responses/{id}/joint',
    tag: 'Responses',
    summary: 'The responding organization names the organization it presents jointly with (or null)',
    description:
      'When the named organization also answered the same request and names this one back, the two meet the requester together, in one meeting (the matching run offers them as one). The answer says whether that is so (`mutual`). It may name any verified organization but its own and the requesting one, which cannot respond to its own request (422 otherwise). Only while the request is open, before its response deadline (409 `deadline-passed` after, as every change of a response).',
    allow: ['provider'],
    params: responseParams,
    body: jointBody,
    status: 200,
    answer: jointAnswer,
    async handler(ctx, { actor, params, body }) {
      const { jointWith, mutual } = await setResponseJointWith(ctx, actor, params.id, body.organizationId);
      return { jointWith, mutual };
    },
  }),
  operation({
    operationId: 'getResponseReceipt',
    method: 'get',
    path: '/responses/{id}/receipt',
    tag: 'Receipts',
    summary: "The latest signed receipt of a response's submission or edit",
    description:
      'A receipt states the database-clock time, the SHA-256 of the content as submitted (its canonical JSON: summary, details, offerCategories, modality, languages, funding) and names the response, its request and organization, signed with the marketplace\'s Ed25519 key. Its provider and the secretariat read it; it is also attached to the confirmation email. `POST /receipts/verify` takes it back as given.',
    allow: ['provider', 'organizer'],
    params: responseParams,
    status: 200,
    answer: receiptSchema,
    handler: (ctx, { actor, params }) => getReceipt(ctx, actor, params.id),
  }),
  operation({
    operationId: 'verifyReceipt',
    method: 'post',
    path: '/receipts/verify',
    tag: 'Receipts',
    summary: 'Check a receipt: whether the marketplace signed it, every byte as issued',
    description: 'Anyone may check a receipt, signed in or not. 200 with `valid: false` and the reason for a receipt that does not hold; 422 for a body that is not a receipt.',
    allow: ['anyone'],
    body: receiptSchema,
    status: 200,
    answer: z.object({ valid: z.boolean(), reason: z.string().nullable() }).strict(),
    handler: (ctx, { body }) => verifyReceipt(ctx, body),
  }),
  operation({
    operationId: 'getReceiptKey',
    method: 'get',
    path: '/marketplaces/{slug}/receipt-key',
    tag: 'Receipts',
    summary: "A marketplace's published receipt key (Ed25519, SPKI PEM) and its fingerprint",
    allow: ['anyone'],
    params: pathParams({ slug: marketplaceSlug }),
    status: 200,
    answer: z.object({ marketplace: z.string(), algorithm: z.literal('Ed25519'), publicKey: z.string(), fingerprint: z.string() }).strict(),
    handler: (ctx, { params }) => receiptKey(ctx, params.slug),
  }),
];
