/**
 * Bulk data for the benchmark: people through the tests' factory (users, organizations and API
 * sessions with hashed tokens), requests, responses and outbox rows with multi-row INSERTs.
 * Deterministic (seeded PRNG), so two runs measure the same data.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../src/context.ts';
import type { OrganizationKind, RequestCategory } from '../db/types.ts';
import { seededRandom } from '../src/matching/generate.ts';
import { requestCategories } from '../src/requests/requests.schemas.ts';
import { createPerson, createTestMarketplace, sampleResponse, type TestPerson } from '../tests/helpers/factories.ts';

export const ORGANIZER_EMAIL = 'organizer@bench.example';

export const categories: readonly RequestCategory[] = requestCategories;
export const countries = ['BD', 'PH', 'MX', 'MA', 'SN', 'NG', 'GH', 'KE', 'ET', 'IN', 'PK', 'LK', 'NP', 'ID', 'VN', 'EG', 'TN', 'DZ', 'ML', 'NE', 'TR', 'UA', 'MD', 'AM', 'GE', 'KG', 'TJ', 'UZ', 'EC', 'CO', 'PE', 'BO', 'GT', 'SV', 'HN', 'HT', 'JM', 'DO', 'CV', 'BJ'];
export const languages = ['en', 'fr', 'es', 'ar', 'ru', 'pt'];
const themes = ['1.2', '2.2', 'remittances', 'diaspora', 'labour mobility', 'return and reintegration', 'circular migration', 'skills recognition'];
const providerKinds: OrganizationKind[] = ['un_agency', 'ngo', 'intergovernmental', 'research', 'diaspora'];

export interface BenchPeople {
  organizer: TestPerson;
  requesters: TestPerson[];
  providers: TestPerson[];
}

/** An organizer, verified governments that post, and verified providers that respond (each with an API token). */
export async function createBenchPeople(ctx: AppContext, counts: { requesters: number; providers: number }): Promise<BenchPeople> {
  const organizer = await createPerson(ctx, { email: ORGANIZER_EMAIL });
  const requesters: TestPerson[] = [];
  for (let i = 0; i < counts.requesters; i++) {
    requesters.push(
      await createPerson(ctx, {
        email: `government-${i}@bench.example`,
        organization: { name: `Ministry of Labour ${i}`, kind: 'government', country: countries[i % countries.length]!, status: 'verified' },
      }),
    );
  }
  const providers: TestPerson[] = [];
  for (let i = 0; i < counts.providers; i++) {
    providers.push(
      await createPerson(ctx, {
        email: `provider-${i}@bench.example`,
        organization: { name: `Provider ${i}`, kind: providerKinds[i % providerKinds.length]!, country: null, status: 'verified' },
      }),
    );
  }
  return { organizer, requesters, providers };
}

/** A marketplace that opened yesterday and whose own deadline is 30 days away (no matching run during the bench). */
export async function createBenchMarketplace(ctx: AppContext, organizer: TestPerson, slug: string): Promise<{ id: string; slug: string; responseDeadline: Date }> {
  const detail = await createTestMarketplace(ctx, organizer, { slug, name: `Benchmark ${slug}` });
  return { id: detail.marketplace.id, slug: detail.marketplace.slug, responseDeadline: detail.marketplace.response_deadline };
}

async function insertInChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/**
 * Open (published) requests, spread over the requesters, with `responsesPerRequest` submitted
 * responses each from distinct providers: request j gets providers j, j+1, ... (mod providers).
 * The deadline is the same placeholder for all (moved later by the caller) unless given per index.
 */
export async function insertOpenRequests(
  ctx: AppContext,
  input: {
    marketplaceId: string;
    people: BenchPeople;
    count: number;
    responsesPerRequest: number;
    deadline: (index: number) => Date;
    seed: number;
  },
): Promise<string[]> {
  const random = seededRandom(input.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const pickSome = <T>(list: readonly T[], max: number) => [...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(list)))];
  const ids = Array.from({ length: input.count }, () => randomUUID());
  const { requesters, providers } = input.people;
  if (input.responsesPerRequest > providers.length) throw new Error('more responses per request than providers');

  await insertInChunks(
    ids.map((id, i) => ({ id, i })),
    1000,
    (chunk) =>
      ctx.db
        .insertInto('requests')
        .values(
          chunk.map(({ id, i }) => {
            const requester = requesters[i % requesters.length]!;
            const category = pick(categories);
            const deadline = input.deadline(i);
            return {
              id,
              marketplace_id: input.marketplaceId,
              organization_id: requester.organizationId!,
              created_by: requester.id,
              title: `${category.replace('_', ' ')} on ${pick(themes)} for ${pick(countries)} (${i})`,
              category,
              themes: pickSome(themes, 2),
              description: `Request ${i}: our ministry asks for support on ${pick(themes)}, with a focus on the migrant workers of the regions most concerned and on the officials who serve them abroad.`,
              expected_outcome: 'Officials trained and a plan the ministry can carry on by itself after the forum.',
              countries: pickSome(countries, 3),
              languages: pickSome(languages, 2),
              max_matches: 3,
              own_deadline: deadline,
              response_deadline: deadline,
              status: 'open' as const,
              published_at: new Date(Date.now() - Math.floor(random() * 7 * 24 * 3600 * 1000)),
              response_count: input.responsesPerRequest,
            };
          }),
        )
        .execute(),
  );

  const responses: Array<{ requestId: string; provider: TestPerson }> = [];
  ids.forEach((requestId, j) => {
    for (let t = 0; t < input.responsesPerRequest; t++) responses.push({ requestId, provider: providers[(j + t) % providers.length]! });
  });
  await insertInChunks(responses, 1000, (chunk) =>
    ctx.db
      .insertInto('responses')
      .values(
        chunk.map(({ requestId, provider }) => ({
          request_id: requestId,
          organization_id: provider.organizationId!,
          created_by: provider.id,
          summary: sampleResponse.summary,
          details: sampleResponse.details,
          offer_categories: sampleResponse.offerCategories,
          modality: 'in_person' as const,
          languages: sampleResponse.languages,
          funding: 'provider_covers' as const,
          status: 'submitted' as const,
          submitted_at: sql<Date>`now() - interval '1 day'`,
        })),
      )
      .execute(),
  );
  await sql`ANALYZE`.execute(ctx.db);
  return ids;
}

/** Moves the deadlines of the given requests (index i gets `deadline(i)`); one UPDATE. */
export async function setDeadlines(ctx: AppContext, ids: string[], deadline: (index: number) => Date): Promise<void> {
  const deadlines = ids.map((_, i) => deadline(i).toISOString());
  await sql`
    UPDATE requests r SET response_deadline = d.deadline, own_deadline = d.deadline
    FROM unnest(${ids}::uuid[], ${deadlines}::timestamptz[]) AS d(id, deadline)
    WHERE r.id = d.id`.execute(ctx.db);
}

/** Outbox rows ready to send (status pending), all of one rendered email, to distinct addresses. */
export async function insertOutboxRows(
  ctx: AppContext,
  input: { count: number; keyPrefix: string; email: { subject: string; text: string; html: string } },
): Promise<string[]> {
  const domain = new URL(ctx.config.BASE_URL).hostname;
  const ids = Array.from({ length: input.count }, () => randomUUID());
  await insertInChunks(
    ids.map((id, i) => ({ id, i })),
    1000,
    (chunk) =>
      ctx.db
        .insertInto('outbox')
        .values(
          chunk.map(({ id, i }) => ({
            id,
            idempotency_key: `${input.keyPrefix}:${String(i).padStart(6, '0')}`,
            template: 'request-closed-responder',
            to_email: `provider-${i}@bench.example`,
            subject: input.email.subject,
            text_body: input.email.text,
            html_body: input.email.html,
            message_id: `<${id}@${domain}>`,
          })),
        )
        .execute(),
  );
  return ids;
}
