import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { requireActor, requireOrganizer } from '../auth/actor.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { parseInput } from '../shared/parse.ts';

/**
 * Who may call an operation, as relations to what it touches. The gate before the handler checks the
 * coarse part (signed in, organizer); the domain's policy checks the relations. The OpenAPI document
 * says it in words and the authorization matrix test turns it into the expected answer of every caller.
 *
 * "Member of" always means an active member of a verified organization: a pending member, or a
 * member of a pending or rejected organization, is a stranger to it (see `Actor.organization`).
 */
export type Caller =
  /** Anybody, signed in or not. */
  | 'anyone'
  /** Anybody signed in, with or without an organization. */
  | 'signed-in'
  /** The forum secretariat. */
  | 'organizer'
  /** A member of any verified organization. */
  | 'verified-member'
  /** A member of a verified government. */
  | 'verified-government'
  /** A member of a verified organization other than the one that posted the request. */
  | 'other-verified-member'
  /** A member of the organization that posted the request (or is the requester of the meeting). */
  | 'requester'
  /** A member of the organization that wrote the response (or is the provider of the meeting). */
  | 'provider';

export const callerDescriptions: Record<Caller, string> = {
  anyone: 'anyone, signed in or not',
  'signed-in': 'anyone signed in',
  organizer: 'organizers (the forum secretariat)',
  'verified-member': 'a member of any verified organization',
  'verified-government': 'a member of a verified government',
  'other-verified-member': "a member of a verified organization other than the request's",
  requester: 'a member of the requesting organization',
  provider: 'a member of the responding organization',
};

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

export interface OperationInput<P, Q, B> {
  actor: Actor | null;
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/** A handler that wrote the answer itself (a cached, pre-compressed body) returns this. */
export const SENT = Symbol('answer sent');

export type SuccessStatus = 200 | 201 | 202 | 204;

/**
 * An answer with another of the operation's declared success statuses (`otherStatuses`): a PUT that
 * created what it names answers 201, one that found it 200. The handler says which by returning
 * `withStatus(201, answer)`; the status must be declared, so the OpenAPI document lists it.
 */
export class WithStatus<T> {
  constructor(
    readonly status: SuccessStatus,
    readonly answer: T,
  ) {}
}

export function withStatus<T>(status: SuccessStatus, answer: T): WithStatus<T> {
  return new WithStatus(status, answer);
}

export interface OperationSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  /** Unique, lowerCamelCase: what an SDK generator names the method. */
  operationId: string;
  method: HttpMethod;
  /** OpenAPI form, below /api/v1: `/requests/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Who may call it. The first entries that are coarse (anyone, signed-in, organizer) are enforced before the handler. */
  allow: readonly Caller[];
  params?: P;
  query?: Q;
  /** The JSON body; an operation without one refuses any body but `{}`. */
  body?: B;
  /** The answer's status on success. */
  status: SuccessStatus;
  /** Other success statuses the handler may choose with `withStatus()`, with the same answer schema. */
  otherStatuses?: readonly SuccessStatus[];
  /**
   * The handler sends its answer itself, compressed once where it is kept, and returns SENT: the
   * compression middleware, which wraps every answer it stands before, is not put in front of it.
   */
  precompressed?: true;
  /** The answer's schema (none for 204). Checked on every answer under NODE_ENV=test, so it cannot drift. */
  answer?: R;
  handler: (ctx: AppContext, input: OperationInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Answer<z.input<R>>> | Answer<z.input<R>>;
}

type Answer<T> = T | WithStatus<T> | typeof SENT;

export type Operation = OperationSpec<AnyObject, AnyObject, z.ZodType, z.ZodType>;

/** The schema of no parameters, query or body: an object with no properties (`Record<never, never>` is `{}` by a name the linter accepts). */
type NoFields = z.ZodObject<Record<never, never>>;

/** Declares one API operation: its method, path, callers, schemas and handler, in one expression. */
export function operation<P extends AnyObject = NoFields, Q extends AnyObject = NoFields, B extends z.ZodType = NoFields, R extends z.ZodType = z.ZodVoid>(
  spec: OperationSpec<P, Q, B, R>,
): Operation {
  return spec as unknown as Operation;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A record's id in a path. Anything else is a 404 for that record, never a database error. */
export const recordId = (what: string) => z.string().regex(UUID).meta({ description: `${what}'s id (UUID)`, notFound: what });

/** Path parameters, each saying what a wrong one is not found. */
export function pathParams<S extends Record<string, z.ZodType>>(shape: S) {
  return z.object(shape).strict();
}

export const noBody = z.object({}).strict();
const noQuery = z.object({}).strict();

function notFoundOf(schema: AnyObject, error: z.ZodError): AppError {
  const first = error.issues[0];
  const key = String(first?.path[0] ?? '');
  const field = (schema as unknown as z.ZodObject<Record<string, z.ZodType>>).shape?.[key];
  const what = (field?.meta() as { notFound?: string } | undefined)?.notFound ?? 'The record';
  return notFound(what);
}

/** The coarse part of `allow`, checked before the handler; relations are the domain policy's. */
export function gate(allow: readonly Caller[], actor: Actor | null): void {
  if (allow.includes('anyone')) return;
  requireActor(actor);
  if (allow.length === 1 && allow[0] === 'organizer') requireOrganizer(actor);
}

/** Parses the path parameters; a malformed one answers 404 for what it names. */
export function parseParams<P extends AnyObject>(schema: P | undefined, raw: Record<string, unknown>): z.output<P> {
  if (!schema) return {} as z.output<P>;
  const result = schema.safeParse(raw);
  if (!result.success) throw notFoundOf(schema, result.error);
  return result.data;
}

/** What an operation reads from the request, validated; then the handler; then the answer, checked in tests. */
export async function runOperation(ctx: AppContext, op: Operation, req: Request, res: Response, compress?: RequestHandler): Promise<void> {
  const actor = req.actor ?? null;
  gate(op.allow, actor);
  const params = parseParams(op.params, req.params as Record<string, unknown>);
  // An operation without a query schema takes no parameter: one sent anyway (a `limit` it does not have) is refused by name, not ignored.
  const query = parseInput(op.query ?? noQuery, req.query);
  const body = op.body ? parseInput(op.body, req.body ?? {}) : op.method === 'get' || op.method === 'delete' ? {} : parseInput(noBody, req.body ?? {});
  // What a caller's token shows (its meetings, its organization's responses) is kept by no cache between it and us.
  if (actor) res.set('Cache-Control', 'no-store');
  const result = await op.handler(ctx, { actor, params, query, body, req, res });
  if (result === SENT) return;
  // A precompressed operation that answered with a value after all (an organizer's list) is compressed as any other.
  if (op.precompressed && compress) await new Promise<void>((resolve, reject) => compress(req, res, (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
  const status = result instanceof WithStatus ? result.status : op.status;
  if (status !== op.status && !op.otherStatuses?.includes(status)) throw new Error(`${op.operationId} answered ${status}, which it does not declare`);
  const answer = result instanceof WithStatus ? result.answer : result;
  if (status === 204) return void res.status(204).end();
  if (ctx.config.NODE_ENV === 'test' && op.answer) {
    const checked = op.answer.safeParse(answer);
    if (!checked.success) {
      throw new Error(`${op.operationId} answered outside its schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`);
    }
  }
  res.status(status).json(answer);
}

/** express's path form of an OpenAPI path: `/requests/{id}` → `/requests/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
