import type { z } from 'zod';
import etag from 'etag';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AppContext } from '../context.ts';
import { operation, pathParams, recordId, SENT } from '../http/operation.ts';
import { listOf } from '../shared/answer-fields.ts';
import { marketplaceSlug } from '../marketplaces/marketplaces.schemas.ts';
import { browseRequestsQuery, changeDeadlineBody, createRequestBody, rejectRequestBody, requestAnswer, updateRequestBody } from './requests.schemas.ts';
import { browseRequests, browsePublicRequestsEncoded, changeRequestDeadline, createRequest, getRequest, moderateRequest, requestToJson, updateRequest } from './requests.service.ts';

const requestParams = pathParams({ id: recordId('The request') });
const marketplaceParams = pathParams({ slug: marketplaceSlug });
const requestPage = listOf(requestAnswer);

/**
 * The public page is the same for every caller, so it is serialised, gzipped and tagged once per
 * cached page. It bypasses the check `runOperation` makes of every answer in tests, so it is checked
 * here, once, before it is kept.
 */
function publicJson(ctx: AppContext, answer: z.input<typeof requestPage>): PublicJson {
  if (ctx.config.NODE_ENV === 'test') {
    const checked = requestPage.safeParse(answer);
    if (!checked.success) throw new Error(`listMarketplaceRequests answered outside its schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`);
  }
  const body = Buffer.from(JSON.stringify(answer));
  // The compressed answer is kept in a buffer of its own size (gzipSync's result is a view of a 16 KB
  // chunk, which it would keep alive); the plain one only once a client that does not take gzip asks.
  const compressed = gzipSync(body);
  const gzip = Buffer.allocUnsafeSlow(compressed.length);
  compressed.copy(gzip);
  return { gzip, plainLength: body.length, etag: etag(body, { weak: true }) };
}

interface PublicJson {
  gzip: Buffer;
  /** The answer uncompressed, inflated at the first client that does not take gzip and kept. */
  plain?: Buffer;
  plainLength: number;
  etag: string;
}

/** Requests for assistance over the API: governments post them, organizers moderate them, everyone reads the published ones. */
export const requestOperations = [
  operation({
    operationId: 'createRequest',
    method: 'post',
    path: '/marketplaces/{slug}/requests',
    tag: 'Requests',
    summary: 'Post a request for assistance (it waits for moderation)',
    description:
      "A verified government posts it while the marketplace takes requests (409 before it opens or after its deadline). An own `responseDeadline` must lie ahead and not after the marketplace's. The requester and the organizers are emailed.",
    allow: ['verified-government'],
    params: marketplaceParams,
    body: createRequestBody,
    status: 201,
    answer: requestAnswer,
    async handler(ctx, { actor, params, body, res }) {
      const request = await createRequest(ctx, actor, params.slug, body);
      res.location(`/api/v1/requests/${request.id}`);
      return requestToJson(request, actor);
    },
  }),
  operation({
    operationId: 'listMarketplaceRequests',
    method: 'get',
    path: '/marketplaces/{slug}/requests',
    tag: 'Requests',
    summary: "A marketplace's requests, soonest deadline first",
    description:
      'Everyone lists the published ones (`status` open by default, or closed or matched); that list is shared, cached, gzipped and answered with an ETag (304 to a repeat). With `mine=true` a member lists its organization\'s requests of every status; organizers list any status. `q` searches the title, description and expected outcome; a search that names a country (in English, French or Spanish) also finds the requests of that country or about it, with its other words in their text.',
    allow: ['anyone'],
    params: marketplaceParams,
    query: browseRequestsQuery,
    status: 200,
    answer: requestPage,
    precompressed: true,
    async handler(ctx, { actor, params, query, req, res }) {
      const json = await browsePublicRequestsEncoded(ctx, actor, params.slug, query, {
        name: 'api-json',
        encode: (page) => publicJson(ctx, { items: page.items.map((r) => requestToJson(r, null)), nextCursor: page.nextCursor }),
        // Counted as if a plain client had asked too, so that the cache's bound holds either way.
        size: (kept) => kept.gzip.length + kept.plainLength + 200,
      });
      if (!json) {
        const page = await browseRequests(ctx, actor, params.slug, query);
        return { items: page.items.map((r) => requestToJson(r, actor)), nextCursor: page.nextCursor };
      }
      res.set({ ETag: json.etag, 'Content-Type': 'application/json; charset=utf-8' }).vary('Accept-Encoding');
      // Compressed once per cached page, not per answer; express answers 304 when the ETag matches.
      if (req.acceptsEncodings('gzip') === 'gzip') res.status(200).set('Content-Encoding', 'gzip').send(json.gzip);
      else res.status(200).send((json.plain ??= gunzipSync(json.gzip)));
      return SENT;
    },
  }),
  operation({
    operationId: 'getRequest',
    method: 'get',
    path: '/requests/{id}',
    tag: 'Requests',
    summary: 'A request',
    description:
      'Published requests (open, closed, matched) are public. Before publication, and once rejected or withdrawn, only the requesting organization and the organizers see it (404 for anyone else); only they get `rejectionReason`.',
    allow: ['anyone'],
    params: requestParams,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params }) {
      return requestToJson(await getRequest(ctx, actor, params.id), actor);
    },
  }),
  operation({
    operationId: 'updateRequest',
    method: 'patch',
    path: '/requests/{id}',
    tag: 'Requests',
    summary: 'Edit a request until its deadline',
    description:
      '`responseDeadline: null` makes it follow the marketplace deadline again. `sealedResponses` cannot be turned off once a response was submitted (422). After the deadline: 409 deadline-passed.',
    allow: ['requester', 'organizer'],
    params: requestParams,
    body: updateRequestBody,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params, body }) {
      return requestToJson(await updateRequest(ctx, actor, params.id, body), actor);
    },
  }),
  operation({
    operationId: 'withdrawRequest',
    method: 'post',
    path: '/requests/{id}/withdraw',
    tag: 'Requests',
    summary: 'Withdraw a request (before its deadline)',
    allow: ['requester', 'organizer'],
    params: requestParams,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params }) {
      return requestToJson(await moderateRequest(ctx, actor, params.id, 'withdraw'), actor);
    },
  }),
  operation({
    operationId: 'publishRequest',
    method: 'post',
    path: '/requests/{id}/publish',
    tag: 'Requests',
    summary: 'Publish a submitted request: providers see it and may respond until its deadline',
    description: 'The requester is emailed. Publishing twice, or a request that is not submitted, is a 409 illegal-transition.',
    allow: ['organizer'],
    params: requestParams,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params }) {
      return requestToJson(await moderateRequest(ctx, actor, params.id, 'publish'), actor);
    },
  }),
  operation({
    operationId: 'rejectRequest',
    method: 'post',
    path: '/requests/{id}/reject',
    tag: 'Requests',
    summary: 'Reject a submitted or open request, with the reason the requester is emailed',
    allow: ['organizer'],
    params: requestParams,
    body: rejectRequestBody,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params, body }) {
      return requestToJson(await moderateRequest(ctx, actor, params.id, 'reject', body.reason), actor);
    },
  }),
  operation({
    operationId: 'changeRequestDeadline',
    method: 'patch',
    path: '/requests/{id}/deadline',
    tag: 'Requests',
    summary: "Move one request's deadline (not after the marketplace's)",
    description: 'It takes effect at once: a closed request reopens, and everyone concerned (requester, followers, authors of responses and drafts) is emailed. A matched, rejected or withdrawn request: 409.',
    allow: ['organizer'],
    params: requestParams,
    body: changeDeadlineBody,
    status: 200,
    answer: requestAnswer,
    async handler(ctx, { actor, params, body }) {
      return requestToJson(await changeRequestDeadline(ctx, actor, params.id, body.responseDeadline, body.reason || undefined), actor);
    },
  }),
];
