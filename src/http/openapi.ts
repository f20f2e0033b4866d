import type { RequestHandler } from 'express';
import { z } from 'zod';
import { apiOperations } from './api-operations.ts';
import { callerDescriptions, type Operation } from './operation.ts';

export { apiOperations } from './api-operations.ts';

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemSchema = {
  type: 'object',
  description: 'application/problem+json (RFC 9457). `errors` names each field that needs attention.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] } },
  },
  required: ['type', 'title', 'status', 'detail'],
};

const problemTexts: Record<string, string> = {
  '400': 'Malformed: unreadable JSON, a body nested too deep, a bad percent-encoding',
  '401': 'Sign-in required, or the access token is not valid',
  '403': 'Not allowed: the problem says why (not verified, membership pending, not the owner)',
  '404': 'Not found, or not visible to you',
  '409': 'Conflict: the deadline passed, an illegal status change, already done',
  '413': 'Body too large',
  '415': 'Unsupported media type or content encoding: send uncompressed application/json',
  '422': 'Invalid input: `errors` names the fields',
  '429': 'Too many attempts: see Retry-After',
  '503': 'The database or queue is not reachable right now',
};

/** What each tag groups, for the document's readers. */
const tagDescriptions: Record<string, string> = {
  'Sign-in': 'Passwordless sign-in by emailed link; the link is exchanged for a bearer token.',
  Organizations: 'Organizations, their verification by the secretariat and their members.',
  Marketplaces: "A forum's marketplace: its deadline, rooms and agenda.",
  Requests: 'Requests for assistance posted by governments, moderated by the secretariat.',
  Responses: 'Offers of providers, one per organization, changed only before the deadline.',
  Questions: "Questions on a request before its question deadline, answered by the requester or the secretariat and published to every provider without naming who asked.",
  Account: 'Who I am, my interests, my follows and the digest.',
  Matching: 'Matching runs, the summary report and unavailability.',
  Meetings: 'Side meetings and their answers.',
  Outcomes: 'What came of each meeting, whether the assistance started, and the funnel from requests to assistance.',
  Emails: 'The outbox: what was sent, what failed, resending.',
  Receipts: 'Signed receipts of responses (Ed25519), and checking them.',
};

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function clean(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** The JSON Schemas of every body, query and answer, as components that operations refer to. */
function componentSchemas(operations: readonly Operation[]) {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  const name = (registry: typeof inputs, schema: z.ZodType, id: string) => {
    const known = ids.get(schema) ?? (schema.meta() as { id?: string } | undefined)?.id;
    const chosen = known ?? id;
    if (!registry.has(schema)) registry.add(schema, { id: chosen });
    ids.set(schema, chosen);
    return chosen;
  };
  const refs = new Map<Operation, { body?: string; answer?: string }>();
  for (const op of operations) {
    refs.set(op, {
      ...(op.body ? { body: name(inputs, op.body, `${pascal(op.operationId)}Body`) } : {}),
      ...(op.answer ? { answer: name(outputs, op.answer, `${pascal(op.operationId)}Answer`) } : {}),
    });
  }
  // Shared schemas that carry an id (Response, Request, Meeting, ...) become components of their own.
  for (const [id, schema] of (z.globalRegistry as unknown as { _idmap: Map<string, z.ZodType> })._idmap) {
    if (!outputs.has(schema) && !inputs.has(schema)) outputs.add(schema, { id });
  }
  const uri = (id: string) => `#/components/schemas/${id}`;
  const options = { uri, target: 'draft-2020-12', unrepresentable: 'any', cycles: 'ref', reused: 'inline' } as const;
  const input = z.toJSONSchema(inputs, { ...options, io: 'input' }).schemas;
  const output = z.toJSONSchema(outputs, { ...options, io: 'output' }).schemas;
  const schemas: Record<string, unknown> = { Problem: problemSchema };
  for (const [id, schema] of Object.entries({ ...output, ...input })) schemas[id] = clean(schema as Record<string, unknown>);
  return { schemas, refs };
}

function parametersOf(op: Operation) {
  const parameters: Array<Record<string, unknown>> = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (!schema) return;
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      const { description, notFound: _n, ...rest } = s;
      parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  };
  add('path', op.params);
  add('query', op.query);
  return parameters;
}

function errorStatuses(op: Operation): string[] {
  const statuses = new Set(['400', '503']);
  if (!op.allow.includes('anyone')) ['401', '403'].forEach((s) => statuses.add(s));
  if (op.params || !op.allow.includes('anyone')) statuses.add('404');
  if (op.method !== 'get') statuses.add('409');
  if (op.method !== 'get' && op.method !== 'delete') ['413', '415', '422'].forEach((s) => statuses.add(s));
  if (op.query) statuses.add('422');
  if (op.path.startsWith('/auth/')) statuses.add('429');
  return [...statuses].sort();
}

/** The OpenAPI 3.1 document, made from the operations' declarations. */
export function buildOpenApiDocument(operations: readonly Operation[] = apiOperations): Record<string, unknown> {
  const { schemas, refs } = componentSchemas(operations);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const ref = refs.get(op)!;
    const parameters = parametersOf(op);
    const who = `Who may call: ${op.allow.map((c) => callerDescriptions[c]).join('; ')}.`;
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      description: op.description ? `${op.description}\n\n${who}` : who,
      ...(op.allow.includes('anyone') ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(ref.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref.body}` } } } } } : {}),
      responses: {
        ...Object.fromEntries(
          [op.status, ...(op.otherStatuses ?? [])].map((status) => [
            String(status),
            {
              description: status === 204 ? 'Done' : status === 201 ? 'Created' : 'Success',
              ...(ref.answer && status !== 204 ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref.answer}` } } } } : {}),
            },
          ]),
        ),
        ...Object.fromEntries(errorStatuses(op).map((s) => [s, { description: problemTexts[s], content: { 'application/problem+json': { schema: problemRef } } }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Forum Marketplace API',
      version: '1',
      description: 'Requests for assistance, responses, matching and side meetings. Times are ISO 8601 with an offset; lists return { items, nextCursor }. Errors are application/problem+json.',
    },
    servers: [{ url: '/api/v1' }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name, ...(tagDescriptions[name] ? { description: tagDescriptions[name] } : {}) })),
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'From POST /auth/token' } }, schemas },
    security: [{ bearer: [] }],
    paths,
  };
}

/** The answer to GET /api/v1/openapi.json (a route of the API's table, src/http/routes/api.ts). */
export function openApiHandler(): RequestHandler {
  const document = buildOpenApiDocument();
  return (_req, res) => void res.json(document);
}
