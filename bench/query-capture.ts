/**
 * EXPLAIN ANALYZE of the app's hot paths with the app's own SQL: a copy of the context whose Kysely
 * records every statement an operation sends, then each statement is explained with its parameters
 * (writes inside a rolled-back transaction). Goes to the run's artifacts, not to the table.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../db/types.ts';
import type { AppContext } from '../src/context.ts';

export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  ms: number;
}

export function capturingContext(ctx: AppContext): { ctx: AppContext; queries: CapturedQuery[] } {
  const queries: CapturedQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: ctx.pool }),
    log: (event) => {
      if (event.level === 'query') queries.push({ sql: event.query.sql, parameters: event.query.parameters, ms: event.queryDurationMillis });
    },
  });
  return { ctx: { ...ctx, db }, queries };
}

/** Explains each captured statement (BEGIN … ROLLBACK, so writes leave nothing behind). */
export async function explainQueries(ctx: AppContext, title: string, queries: CapturedQuery[]): Promise<string> {
  const out: string[] = [`## ${title}: ${queries.length} statements, ${queries.reduce((s, q) => s + q.ms, 0).toFixed(1)} ms as run`];
  const client = await ctx.pool.connect();
  try {
    for (const [i, q] of queries.entries()) {
      out.push(`\n### ${i + 1}. (${q.ms.toFixed(2)} ms as run)\n${q.sql}`);
      if (!/^\s*(select|insert|update|delete|with)\b/i.test(q.sql)) continue;
      await client.query('BEGIN');
      try {
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters as unknown[]);
        out.push(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      } catch (error) {
        out.push(`(could not explain: ${(error as Error).message})`);
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    client.release();
  }
  return out.join('\n');
}
