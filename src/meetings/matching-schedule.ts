import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';
import { requestTransitions } from '../requests/request-status.ts';

/** Requests a run still has work for: those the close or the match will move (open, closed). */
const awaitingMatch = [...requestTransitions.close.from, ...requestTransitions.match.from];

/** The matching run starts by itself a few seconds after the marketplace deadline (the closes go first). */
export const RUN_AFTER_DEADLINE_MS = 3000;

export async function planMatchingRun(ctx: AppContext, marketplace: { id: string; response_deadline: Date }, from: 'plan' | 'sweep' = 'plan'): Promise<void> {
  const deadlineMs = marketplace.response_deadline.getTime();
  // The sweep's job id changes each minute: a planned job kept as completed, or lost, never blocks it.
  const id = from === 'sweep' ? jobId('matching', marketplace.id, deadlineMs, 'sweep', Math.floor(Date.now() / 60_000)) : jobId('matching', marketplace.id, deadlineMs);
  try {
    await ctx.queues.enqueue('run-matching', { marketplaceId: marketplace.id, trigger: 'deadline', deadlineMs }, { jobId: id, delay: Math.max(0, deadlineMs + RUN_AFTER_DEADLINE_MS - Date.now()) });
  } catch (error) {
    ctx.log.warn({ marketplaceId: marketplace.id, err: (error as Error).message }, 'could not plan the matching run; the sweep will start it');
  }
}

/** Marketplaces whose deadline passed with no run since: the sweep starts them when the delayed job was lost. */
export async function findMarketplacesDueForMatching(ctx: AppContext) {
  return ctx.db
    .selectFrom('marketplaces as m')
    .select(['m.id', 'm.response_deadline'])
    .where('m.response_deadline', '<=', sql<Date>`now() - make_interval(secs => ${RUN_AFTER_DEADLINE_MS / 1000})`)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('matching_runs as r')
            .select('r.id')
            .whereRef('r.marketplace_id', '=', 'm.id')
            .where('r.status', '=', 'done')
            .whereRef('r.started_at', '>=', 'm.response_deadline'),
        ),
      ),
    )
    // Only marketplaces with something to match.
    .where((eb) => eb.exists(eb.selectFrom('requests as q').select('q.id').whereRef('q.marketplace_id', '=', 'm.id').where('q.status', 'in', awaitingMatch)))
    .execute();
}
