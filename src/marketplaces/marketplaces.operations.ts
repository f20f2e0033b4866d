import { operation, pathParams } from '../http/operation.ts';
import { listOf } from '../shared/answer-fields.ts';
import { changeDeadlineBody } from '../requests/requests.schemas.ts';
import { extendMarketplaceDeadline } from '../requests/requests.service.ts';
import { createMarketplaceBody, deadlineExtensionAnswer, marketplaceAnswer, marketplaceSlug, marketplaceSummaryAnswer, updateMarketplaceBody } from './marketplaces.schemas.ts';
import { createMarketplace, getMarketplace, listMarketplaces, marketplaceSummaryToJson, marketplaceToJson, updateMarketplace } from './marketplaces.service.ts';

const marketplaceParams = pathParams({ slug: marketplaceSlug });

/** Marketplaces over the API: everyone reads them; the forum secretariat creates and edits them and extends their deadline. */
export const marketplaceOperations = [
  operation({
    operationId: 'listMarketplaces',
    method: 'get',
    path: '/marketplaces',
    tag: 'Marketplaces',
    summary: 'The marketplaces, the latest forum first, with how many requests are open',
    allow: ['anyone'],
    status: 200,
    answer: listOf(marketplaceSummaryAnswer),
    async handler(ctx) {
      const rows = await listMarketplaces(ctx);
      return { items: rows.map(marketplaceSummaryToJson), nextCursor: null };
    },
  }),
  operation({
    operationId: 'createMarketplace',
    method: 'post',
    path: '/marketplaces',
    tag: 'Marketplaces',
    summary: "Create a forum's marketplace, with its rooms and agenda",
    description:
      'Times without an offset are local to `timeZone`; a deadline given as a date means 17:00 (close of business) that day. Agenda roles name an organization by id or by its registered name; an unknown one is a 422 naming the role.',
    allow: ['organizer'],
    body: createMarketplaceBody,
    status: 201,
    answer: marketplaceAnswer,
    async handler(ctx, { actor, body }) {
      return marketplaceToJson(await createMarketplace(ctx, actor, body));
    },
  }),
  operation({
    operationId: 'getMarketplace',
    method: 'get',
    path: '/marketplaces/{slug}',
    tag: 'Marketplaces',
    summary: 'A marketplace with its rooms and agenda',
    allow: ['anyone'],
    params: marketplaceParams,
    status: 200,
    answer: marketplaceAnswer,
    async handler(ctx, { params }) {
      return marketplaceToJson(await getMarketplace(ctx, params.slug));
    },
  }),
  operation({
    operationId: 'updateMarketplace',
    method: 'patch',
    path: '/marketplaces/{slug}',
    tag: 'Marketplaces',
    summary: 'Edit a marketplace (rooms and sessions given are the whole new list)',
    description:
      "`responseDeadline` lies before the forum's first day. It changes here only while no request follows it (setting the marketplace up): once one does, a new deadline here is a 422, and `PATCH /marketplaces/{slug}/deadline` extends it, moving the requests' deadlines and telling the people concerned. A live marketplace's deadline cannot be set in the past. `rooms` and `sessions`, when given, replace the whole list: send every session with its roles.",
    allow: ['organizer'],
    params: marketplaceParams,
    body: updateMarketplaceBody,
    status: 200,
    answer: marketplaceAnswer,
    async handler(ctx, { actor, params, body }) {
      return marketplaceToJson(await updateMarketplace(ctx, actor, params.slug, body));
    },
  }),
  operation({
    operationId: 'extendMarketplaceDeadline',
    method: 'patch',
    path: '/marketplaces/{slug}/deadline',
    tag: 'Marketplaces',
    summary: "Extend the marketplace's response deadline, and every request that follows it",
    description:
      'Requests with an earlier deadline of their own keep it. A closed request that follows the deadline reopens; everyone concerned (requester, followers, authors of responses and drafts) is emailed.',
    allow: ['organizer'],
    params: marketplaceParams,
    body: changeDeadlineBody,
    status: 200,
    answer: deadlineExtensionAnswer,
    handler: (ctx, { actor, params, body }) => extendMarketplaceDeadline(ctx, actor, params.slug, body.responseDeadline),
  }),
];
