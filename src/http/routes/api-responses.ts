import { outboxQuery } from '../../email/outbox.schemas.ts';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { requireActor, requireOrganizer } from '../../auth/actor.ts';
import { AppError } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import { createResponseBody, updateResponseBody } from '../../responses/responses.schemas.ts';
import { changeResponse, createResponse, getResponse, listVisibleResponses, responseToJson } from '../../responses/responses.service.ts';
import { listResponsesOfOrganization } from '../../responses/responses.repository.ts';
import { changeDeadlineBody } from '../../requests/requests.schemas.ts';
import { changeRequestDeadline, extendMarketplaceDeadline, getRequest, requestToJson } from '../../requests/requests.service.ts';
import { interestsBody } from '../../interests/interests.schemas.ts';
import { getMyInterests, setFollowing, setMyInterests } from '../../interests/interests.service.ts';
import { listOutbox, resendOutboxEmail } from '../../email/outbox.service.ts';
import { idParam as id, slugParam } from './params.ts';


const emptyBody = z.object({}).strict();

/** Responses, follows, interests, deadlines and the outbox over the API (mounted in apiRouter). */
export function responsesApi(ctx: AppContext): Router {
  const api = Router();

  api.post('/requests/:id/responses', async (req, res) => {
    requireActor(req.actor);
    const body = parseInput(createResponseBody, req.body);
    try {
      const response = await createResponse(ctx, req.actor, id(req.params.id, 'The request'), body);
      const request = await getRequest(ctx, req.actor, response.request_id);
      res.status(201).location(`/api/v1/responses/${response.id}`).json(responseToJson(response, request.time_zone));
    } catch (error) {
      const existingId = (error as { existingId?: string }).existingId;
      if (error instanceof AppError && existingId) res.setHeader('Location', `/api/v1/responses/${existingId}`);
      throw error;
    }
  });
  api.get('/requests/:id/responses', async (req, res) => {
    requireActor(req.actor);
    const { request, items, sealedUntilClose } = await listVisibleResponses(ctx, req.actor, id(req.params.id, 'The request'));
    res.json({ items: items.map((r) => responseToJson(r, request.time_zone)), sealedUntilClose, nextCursor: null });
  });
  api.get('/responses/:id', async (req, res) => {
    requireActor(req.actor);
    const response = await getResponse(ctx, req.actor, id(req.params.id, 'The response'));
    const request = await getRequest(ctx, req.actor, response.request_id);
    res.json(responseToJson(response, request.time_zone));
  });
  api.patch('/responses/:id', async (req, res) => {
    requireActor(req.actor);
    const body = parseInput(updateResponseBody, req.body);
    const response = await changeResponse(ctx, req.actor, id(req.params.id, 'The response'), 'edit', body);
    const request = await getRequest(ctx, req.actor, response.request_id);
    res.json(responseToJson(response, request.time_zone));
  });
  for (const action of ['withdraw', 'submit'] as const) {
    api.post(`/responses/:id/${action}`, async (req, res) => {
      requireActor(req.actor);
      parseInput(emptyBody, req.body ?? {});
      const response = await changeResponse(ctx, req.actor, id(req.params.id, 'The response'), action);
      const request = await getRequest(ctx, req.actor, response.request_id);
      res.json(responseToJson(response, request.time_zone));
    });
  }
  api.get('/me/responses', async (req, res) => {
    const actor = requireActor(req.actor);
    const rows = actor.organization ? await listResponsesOfOrganization(ctx, actor.organization.id) : [];
    res.json({ items: rows.map((r) => ({ ...responseToJson(r, r.time_zone), request: { id: r.request_id, title: r.request_title, status: r.request_status } })), nextCursor: null });
  });

  api.put('/requests/:id/follow', async (req, res) => {
    res.json(await setFollowing(ctx, req.actor, id(req.params.id, 'The request'), true));
  });
  api.delete('/requests/:id/follow', async (req, res) => {
    res.json(await setFollowing(ctx, req.actor, id(req.params.id, 'The request'), false));
  });
  api.get('/me/interests', async (req, res) => {
    res.json(await getMyInterests(ctx, req.actor));
  });
  api.put('/me/interests', async (req, res) => {
    requireActor(req.actor);
    res.json(await setMyInterests(ctx, req.actor, parseInput(interestsBody, req.body)));
  });

  api.patch('/requests/:id/deadline', async (req, res) => {
    requireOrganizer(req.actor);
    const body = parseInput(changeDeadlineBody, req.body);
    res.json(requestToJson(await changeRequestDeadline(ctx, req.actor, id(req.params.id, 'The request'), body.responseDeadline), req.actor));
  });
  api.patch('/marketplaces/:slug/deadline', async (req, res) => {
    requireOrganizer(req.actor);
    const body = parseInput(changeDeadlineBody, req.body);
    res.json(await extendMarketplaceDeadline(ctx, req.actor, slugParam(req.params.slug), body.responseDeadline));
  });

  api.get('/emails', async (req, res) => {
    requireOrganizer(req.actor);
    const page = await listOutbox(ctx, req.actor, parseInput(outboxQuery, req.query));
    res.json({
      items: page.items.map((e) => ({ id: e.id, template: e.template, to: e.to_email, subject: e.subject, status: e.status, attempts: e.attempts, lastError: e.last_error, messageId: e.message_id, createdAt: e.created_at, sentAt: e.sent_at })),
      nextCursor: page.nextCursor,
    });
  });
  api.post('/emails/:id/resend', async (req, res) => {
    requireOrganizer(req.actor);
    await resendOutboxEmail(ctx, req.actor, id(req.params.id, 'The email'));
    res.status(202).json({ status: 'pending' });
  });

  return api;
}
