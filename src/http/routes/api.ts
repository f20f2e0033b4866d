import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import etag from 'etag';
import { gzipSync } from 'node:zlib';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import { requireActor, requireOrganizer } from '../../auth/actor.ts';
import { meToJson } from '../../auth/auth.service.ts';
import { magicLinkBody, tokenBody } from '../../auth/auth.schemas.ts';
import { requestSignInLink, signInWithToken, signOut } from '../../auth/auth.service.ts';
import { setOrganizationBody, organizationListQuery } from '../../organizations/organizations.schemas.ts';
import { approveMembership, listOrganizations, setMyOrganization, verifyOrganization } from '../../organizations/organizations.service.ts';
import { createMarketplaceBody, updateMarketplaceBody } from '../../marketplaces/marketplaces.schemas.ts';
import { createMarketplace, getMarketplace, listMarketplaces, marketplaceToJson, updateMarketplace } from '../../marketplaces/marketplaces.service.ts';
import { browseRequestsQuery, createRequestBody, rejectRequestBody, updateRequestBody } from '../../requests/requests.schemas.ts';
import { browseRequests, createRequest, getRequest, moderateRequest, requestToJson, requireOwnerOrOrganizer, updateRequest } from '../../requests/requests.service.ts';
import { authenticateApi } from '../middleware/authenticate.ts';
import { refuseDeepBodies } from '../middleware/hostile-input.ts';
import { isoInZone } from '../../shared/time.ts';
import { responsesApi } from './api-responses.ts';
import { idParam, slugParam } from './params.ts';
import { meetingsApi } from './api-meetings.ts';
import { negotiateLocale } from '../../i18n/i18n.ts';
import { apiOperations } from '../api-operations.ts';
import { expressPath, runOperation } from '../operation.ts';


function publicJson(value: unknown): { body: Buffer; gzip: Buffer; etag: string } {
  const body = Buffer.from(JSON.stringify(value));
  return { body, gzip: gzipSync(body), etag: etag(body, { weak: true }) };
}

/** Bodies are JSON: anything else with a body is refused with 415. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    return next(new AppError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.'));
  }
  next();
};

function emptyBody(req: express.Request): unknown {
  return req.body === undefined ? {} : req.body;
}

export function apiRouter(ctx: AppContext): Router {
  const api = Router();
  api.use(requireJson);
  // Never inflated (compressed bodies are refused before this) and never nested past MAX_NESTING when a route sees it.
  const parseJson = express.json({ limit: '100kb', strict: true, inflate: false });
  api.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : parseJson(req, res, next)), refuseDeepBodies);
  api.use(authenticateApi(ctx));
  for (const op of apiOperations) {
    api[op.method](expressPath(op.path), (req, res) => runOperation(ctx, op, req, res));
  }

  // Sign-in
  api.post('/auth/magic-link', async (req, res) => {
    const body = parseInput(magicLinkBody, req.body);
    await requestSignInLink(ctx, { email: body.email, ip: req.ip ?? 'unknown', next: body.next, locale: negotiateLocale(req.get('accept-language')) });
    res.status(202).json({ message: 'If this address can sign in, a sign-in link is on its way. It works once, for 10 minutes.' });
  });
  api.post('/auth/token', async (req, res) => {
    const body = parseInput(tokenBody, req.body);
    const session = await signInWithToken(ctx, { token: body.token, ip: req.ip ?? 'unknown', kind: 'api' });
    res.json({ accessToken: session.sessionToken, tokenType: 'Bearer', expiresInDays: session.expiresInDays, user: { id: session.user.id, email: session.user.email } });
  });
  api.post('/auth/sign-out', async (req, res) => {
    requireActor(req.actor);
    await signOut(ctx, req.sessionToken!);
    res.status(204).end();
  });

  // Me and organizations
  api.get('/me', (req, res) => {
    const actor = requireActor(req.actor);
    res.json(meToJson(actor));
  });
  api.put('/me/organization', async (req, res) => {
    const body = parseInput(setOrganizationBody, req.body);
    const result = await setMyOrganization(ctx, req.actor, body);
    res.status(result.created ? 201 : 200).json({
      organization: { id: result.organization.id, name: result.organization.name, kind: result.organization.kind, country: result.organization.country, status: result.organization.status },
      membership: result.membership,
    });
  });
  api.get('/organizations', async (req, res) => {
    const query = parseInput(organizationListQuery, req.query);
    const items = await listOrganizations(ctx, req.actor, query.status);
    res.json({ items, nextCursor: null });
  });
  api.post('/organizations/:id/verify', async (req, res) => {
    const organization = await verifyOrganization(ctx, req.actor, idParam(req.params.id, 'The organization'));
    res.json({ id: organization.id, name: organization.name, status: organization.status });
  });
  api.post('/organizations/:id/members/:userId/approve', async (req, res) => {
    await approveMembership(ctx, req.actor, idParam(req.params.id, 'The organization'), idParam(req.params.userId, 'The person'));
    res.json({ membership: 'active' });
  });

  // Marketplaces
  api.get('/marketplaces', async (_req, res) => {
    const rows = await listMarketplaces(ctx);
    res.json({
      items: rows.map((m) => ({ slug: m.slug, name: m.name, timeZone: m.time_zone, responseDeadline: isoInZone(m.response_deadline, m.time_zone), openRequests: m.open_requests })),
      nextCursor: null,
    });
  });
  api.post('/marketplaces', async (req, res) => {
    requireOrganizer(req.actor);
    const body = parseInput(createMarketplaceBody, req.body);
    res.status(201).json(marketplaceToJson(await createMarketplace(ctx, req.actor, body)));
  });
  api.get('/marketplaces/:slug', async (req, res) => {
    res.json(marketplaceToJson(await getMarketplace(ctx, slugParam(req.params.slug))));
  });
  api.patch('/marketplaces/:slug', async (req, res) => {
    requireOrganizer(req.actor);
    const body = parseInput(updateMarketplaceBody, req.body);
    res.json(marketplaceToJson(await updateMarketplace(ctx, req.actor, slugParam(req.params.slug), body)));
  });

  // Requests
  api.post('/marketplaces/:slug/requests', async (req, res) => {
    requireActor(req.actor);
    const body = parseInput(createRequestBody, req.body);
    const request = await createRequest(ctx, req.actor, slugParam(req.params.slug), body);
    res.status(201).location(`/api/v1/requests/${request.id}`).json(requestToJson(request, req.actor));
  });
  api.get('/marketplaces/:slug/requests', async (req, res) => {
    const query = parseInput(browseRequestsQuery, req.query);
    const page = await browseRequests(ctx, req.actor, slugParam(req.params.slug), query);
    if (!page.public) return void res.json({ items: page.items.map((r) => requestToJson(r, req.actor)), nextCursor: page.nextCursor });
    // The public page is the same for every caller: serialised once per cached page, with its ETag.
    page.json ??= publicJson({ items: page.items.map((r) => requestToJson(r, null)), nextCursor: page.nextCursor });
    res.set({ ETag: page.json.etag, 'Content-Type': 'application/json; charset=utf-8' }).vary('Accept-Encoding');
    // Compressed once per cached page, not per answer.
    if (req.acceptsEncodings('gzip') === 'gzip') res.set('Content-Encoding', 'gzip').send(page.json.gzip);
    else res.send(page.json.body);
  });
  api.get('/requests/:id', async (req, res) => {
    res.json(requestToJson(await getRequest(ctx, req.actor, idParam(req.params.id, 'The request')), req.actor));
  });
  api.patch('/requests/:id', async (req, res) => {
    requireActor(req.actor);
    requireOwnerOrOrganizer(req.actor, await getRequest(ctx, req.actor, idParam(req.params.id, 'The request')), 'edit');
    const body = parseInput(updateRequestBody, req.body);
    res.json(requestToJson(await updateRequest(ctx, req.actor, idParam(req.params.id, 'The request'), body), req.actor));
  });
  api.post('/requests/:id/withdraw', async (req, res) => {
    requireActor(req.actor);
    parseInput(z.object({}).strict(), emptyBody(req));
    res.json(requestToJson(await moderateRequest(ctx, req.actor, idParam(req.params.id, 'The request'), 'withdraw'), req.actor));
  });
  api.post('/requests/:id/publish', async (req, res) => {
    requireOrganizer(req.actor);
    parseInput(z.object({}).strict(), emptyBody(req));
    res.json(requestToJson(await moderateRequest(ctx, req.actor, idParam(req.params.id, 'The request'), 'publish'), req.actor));
  });
  api.post('/requests/:id/reject', async (req, res) => {
    requireOrganizer(req.actor);
    const body = parseInput(rejectRequestBody, req.body);
    res.json(requestToJson(await moderateRequest(ctx, req.actor, idParam(req.params.id, 'The request'), 'reject', body.reason), req.actor));
  });

  api.use(responsesApi(ctx));
  api.use(meetingsApi(ctx));

  api.use((req, _res, next) => next(new AppError(404, 'not-found', 'Not found', `There is no ${req.method} ${req.path} in this API.`)));
  return api;
}
