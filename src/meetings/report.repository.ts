import type { Queryable } from '../shared/db.ts';
import { responseStatusSets } from '../responses/response-status.ts';
import { meetingStatusSets } from './meeting-status.ts';

/**
 * What the marketplace report (Annex 2's matrix) is made of, read side by side: who responded and who
 * meets in which request category, who holds which role in which agenda session, the agenda, and the
 * requests, responses and meetings counted by status.
 */
export async function loadMarketplaceReportRows({ db }: Queryable, marketplaceId: string) {
  const [responses, meetings, roles, sessions, requestCounts, responseCounts, meetingCounts] = await Promise.all([
    db
      .selectFrom('responses as s')
      .innerJoin('requests as r', 'r.id', 's.request_id')
      .innerJoin('organizations as o', 'o.id', 's.organization_id')
      .select(['o.id', 'o.name', 'o.kind', 'r.category'])
      .where('r.marketplace_id', '=', marketplaceId)
      .where('s.status', 'in', responseStatusSets.offered)
      .execute(),
    // Each standing meeting once per providing organization and category of the requests it serves: its
    // provider with its own request, and the requests it serves beside it (meeting_topics) with the
    // organization of each one's response, a joint partner included.
    db
      .selectFrom('meetings as mt')
      .innerJoin('requests as r', 'r.id', 'mt.request_id')
      .innerJoin('organizations as o', 'o.id', 'mt.provider_org_id')
      .select(['mt.id as meeting_id', 'o.id', 'o.name', 'o.kind', 'r.category'])
      .where('mt.marketplace_id', '=', marketplaceId)
      .where('mt.status', 'in', meetingStatusSets.active)
      .union(
        db
          .selectFrom('meeting_topics as tt')
          .innerJoin('meetings as mt', 'mt.id', 'tt.meeting_id')
          .innerJoin('requests as r', 'r.id', 'tt.request_id')
          .innerJoin('responses as s', 's.id', 'tt.response_id')
          .innerJoin('organizations as o', 'o.id', 's.organization_id')
          .select(['mt.id as meeting_id', 'o.id', 'o.name', 'o.kind', 'r.category'])
          .where('mt.marketplace_id', '=', marketplaceId)
          .where('mt.status', 'in', meetingStatusSets.active),
      )
      .execute(),
    db
      .selectFrom('session_roles as sr')
      .innerJoin('agenda_sessions as a', 'a.id', 'sr.session_id')
      .innerJoin('organizations as o', 'o.id', 'sr.organization_id')
      .select(['o.id', 'o.name', 'o.kind', 'a.code', 'sr.role'])
      .where('a.marketplace_id', '=', marketplaceId)
      .execute(),
    db.selectFrom('agenda_sessions').select(['code', 'title']).where('marketplace_id', '=', marketplaceId).orderBy('starts_at').orderBy('code').execute(),
    db
      .selectFrom('requests')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('marketplace_id', '=', marketplaceId)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('responses as s')
      .innerJoin('requests as r', 'r.id', 's.request_id')
      .select(['s.status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('r.marketplace_id', '=', marketplaceId)
      .groupBy('s.status')
      .execute(),
    db
      .selectFrom('meetings')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('marketplace_id', '=', marketplaceId)
      .groupBy('status')
      .execute(),
  ]);
  return { responses, meetings, roles, sessions, requestCounts, responseCounts, meetingCounts };
}
