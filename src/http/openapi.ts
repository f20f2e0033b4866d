import { outboxQuery } from '../email/outbox.schemas.ts';
import { preferredBody, unavailabilityBody } from '../meetings/meetings.schemas.ts';
import { Router } from 'express';
import { z } from 'zod';
import { magicLinkBody, tokenBody } from '../auth/auth.schemas.ts';
import { organizationListQuery, setOrganizationBody } from '../organizations/organizations.schemas.ts';
import { createMarketplaceBody, updateMarketplaceBody } from '../marketplaces/marketplaces.schemas.ts';
import { browseRequestsQuery, changeDeadlineBody, createRequestBody, rejectRequestBody, updateRequestBody } from '../requests/requests.schemas.ts';
import { createResponseBody, updateResponseBody } from '../responses/responses.schemas.ts';
import { interestsBody } from '../interests/interests.schemas.ts';

type Who = 'anyone' | 'signed-in' | 'organizer';
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  who: Who;
  body?: z.ZodType;
  query?: z.ZodType;
  success: number;
}

/** Every API route, with the zod schemas that validate it: the OpenAPI document is generated from these. */
export const apiOperations: Operation[] = [
  { method: 'post', path: '/auth/magic-link', summary: 'Email a one-time sign-in link (always 202)', who: 'anyone', body: magicLinkBody, success: 202 },
  { method: 'post', path: '/auth/token', summary: 'Exchange an emailed token for a bearer token', who: 'anyone', body: tokenBody, success: 200 },
  { method: 'post', path: '/auth/sign-out', summary: 'End this bearer token', who: 'signed-in', success: 204 },
  { method: 'get', path: '/me', summary: 'Who am I', who: 'signed-in', success: 200 },
  { method: 'put', path: '/me/organization', summary: 'Create or join my organization (pending until verified)', who: 'signed-in', body: setOrganizationBody, success: 200 },
  { method: 'get', path: '/me/interests', summary: 'My interests, digest and time zone', who: 'signed-in', success: 200 },
  { method: 'put', path: '/me/interests', summary: 'Set my interests, digest and time zone', who: 'signed-in', body: interestsBody, success: 200 },
  { method: 'get', path: '/me/responses', summary: "My organization's responses", who: 'signed-in', success: 200 },
  { method: 'get', path: '/organizations', summary: 'Organizations and their members', who: 'organizer', query: organizationListQuery, success: 200 },
  { method: 'post', path: '/organizations/{id}/verify', summary: 'Verify an organization', who: 'organizer', success: 200 },
  { method: 'post', path: '/organizations/{id}/members/{userId}/approve', summary: 'Approve a membership', who: 'organizer', success: 200 },
  { method: 'get', path: '/marketplaces', summary: 'Marketplaces', who: 'anyone', success: 200 },
  { method: 'post', path: '/marketplaces', summary: 'Create a marketplace', who: 'organizer', body: createMarketplaceBody, success: 201 },
  { method: 'get', path: '/marketplaces/{slug}', summary: 'A marketplace with its rooms and agenda', who: 'anyone', success: 200 },
  { method: 'patch', path: '/marketplaces/{slug}', summary: 'Edit a marketplace', who: 'organizer', body: updateMarketplaceBody, success: 200 },
  { method: 'patch', path: '/marketplaces/{slug}/deadline', summary: 'Extend the marketplace deadline and the requests that follow it', who: 'organizer', body: changeDeadlineBody, success: 200 },
  { method: 'post', path: '/marketplaces/{slug}/requests', summary: 'Post a request (verified government)', who: 'signed-in', body: createRequestBody, success: 201 },
  { method: 'get', path: '/marketplaces/{slug}/requests', summary: 'Browse requests', who: 'anyone', query: browseRequestsQuery, success: 200 },
  { method: 'get', path: '/requests/{id}', summary: 'A request', who: 'anyone', success: 200 },
  { method: 'patch', path: '/requests/{id}', summary: 'Edit a request until its deadline', who: 'signed-in', body: updateRequestBody, success: 200 },
  { method: 'post', path: '/requests/{id}/withdraw', summary: 'Withdraw a request', who: 'signed-in', success: 200 },
  { method: 'post', path: '/requests/{id}/publish', summary: 'Publish a request', who: 'organizer', success: 200 },
  { method: 'post', path: '/requests/{id}/reject', summary: 'Reject a request with a reason', who: 'organizer', body: rejectRequestBody, success: 200 },
  { method: 'patch', path: '/requests/{id}/deadline', summary: "Move a request's deadline", who: 'organizer', body: changeDeadlineBody, success: 200 },
  { method: 'put', path: '/requests/{id}/follow', summary: 'Follow a request (reminders)', who: 'signed-in', success: 200 },
  { method: 'delete', path: '/requests/{id}/follow', summary: 'Stop following a request', who: 'signed-in', success: 200 },
  { method: 'post', path: '/requests/{id}/responses', summary: 'Respond (one per organization; 409 after the deadline)', who: 'signed-in', body: createResponseBody, success: 201 },
  { method: 'get', path: '/requests/{id}/responses', summary: 'Responses you may see', who: 'signed-in', success: 200 },
  { method: 'get', path: '/responses/{id}', summary: 'A response', who: 'signed-in', success: 200 },
  { method: 'patch', path: '/responses/{id}', summary: 'Edit a response until the deadline', who: 'signed-in', body: updateResponseBody, success: 200 },
  { method: 'post', path: '/responses/{id}/submit', summary: 'Submit a draft or withdrawn response', who: 'signed-in', success: 200 },
  { method: 'post', path: '/responses/{id}/withdraw', summary: 'Withdraw a response', who: 'signed-in', success: 200 },
  { method: 'put', path: '/responses/{id}/preferred', summary: 'The requester marks a response preferred', who: 'signed-in', body: preferredBody, success: 200 },
  { method: 'post', path: '/marketplaces/{slug}/matching-runs', summary: 'Start the matching run now', who: 'organizer', success: 202 },
  { method: 'get', path: '/marketplaces/{slug}/matching-runs', summary: 'Matching runs', who: 'organizer', success: 200 },
  { method: 'get', path: '/marketplaces/{slug}/meetings', summary: 'Every meeting with its score explained', who: 'organizer', success: 200 },
  { method: 'get', path: '/marketplaces/{slug}/report', summary: 'The summary matrix (organizations × categories and sessions)', who: 'organizer', success: 200 },
  { method: 'post', path: '/marketplaces/{slug}/unavailability', summary: 'Declare when my organization cannot meet', who: 'signed-in', body: unavailabilityBody, success: 201 },
  { method: 'get', path: '/meetings', summary: "My organization's side meetings", who: 'signed-in', success: 200 },
  { method: 'get', path: '/meetings/{id}', summary: 'A meeting', who: 'signed-in', success: 200 },
  { method: 'post', path: '/meetings/{id}/accept', summary: 'Accept a meeting', who: 'signed-in', success: 200 },
  { method: 'post', path: '/meetings/{id}/decline', summary: 'Decline a meeting (the next best offer is scheduled)', who: 'signed-in', success: 200 },
  { method: 'get', path: '/emails', summary: 'The outbox: sent and failed emails', who: 'organizer', query: outboxQuery, success: 200 },
  { method: 'post', path: '/emails/{id}/resend', summary: 'Send an email again', who: 'organizer', success: 202 },
];

const problem = {
  description: 'application/problem+json (RFC 9457)',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of apiOperations) {
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.query) {
      const schema = jsonSchema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) parameters.push({ name, in: 'query', required: (schema.required ?? []).includes(name), schema: s as never });
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.who === 'anyone' ? { security: [] } : { description: op.who === 'organizer' ? 'Organizers only.' : 'Signed in.' }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      responses: {
        [op.success]: { description: 'Success' },
        '400': problem,
        '401': problem,
        '403': problem,
        '404': problem,
        '409': problem,
        '413': problem,
        '415': problem,
        '422': problem,
        '429': problem,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Forum Marketplace API', version: '1', description: 'Requests for assistance, responses, matching and side meetings. Times are ISO 8601 with an offset; lists return { items, nextCursor }.' },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'From POST /auth/token' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function openApiRoute(): Router {
  const router = Router();
  const document = buildOpenApiDocument();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
