import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { requireSecretariat } from './meetings.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { inTransaction } from '../shared/transaction.ts';
import type { OutboxEmail } from '../email/outbox.repository.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { listActiveMeetingsOfRequests, withMatchingLock, writeMatchOutcomes } from './matching-store.repository.ts';
import { listMeetingsByIds } from './meetings.repository.ts';
import { listNotMatchedResponses, listRequestsWithPoster, publishDrafts } from './meeting-edits.repository.ts';
import { cancellationReasons, meetingNoticeEmails, noticeFactsOf, notMatchedEmails, requesterSummaryEmail } from './meeting-notifications.ts';
import { canPublishSchedule } from './meetings.policy.ts';

/**
 * Publishes a marketplace's draft schedule (its "review before sending"): every draft meeting that
 * still stands becomes visible to its parties, who are sent its invitation; the responders that the
 * runs left without a meeting get their note, and each requester the summary of its meetings. Runs
 * of the marketplace wait meanwhile (the same lock). Publishing twice sends nothing twice (the
 * outbox's idempotency keys).
 */
export async function publishSchedule(ctx: AppContext, actorOrNull: Actor | null, slug: string): Promise<{ published: number; emails: number }> {
  const actor = requireSecretariat(actorOrNull, canPublishSchedule);
  const marketplace = await findMarketplace(ctx, slug);
  return withMatchingLock(ctx, marketplace.id, (connection) =>
    inTransaction(
      ctx,
      async (tx) => {
        const published = await publishDrafts(tx, marketplace.id);
        // The statuses the runs left to the publication (a request matched, a response matched or not).
        const outcomes = await writeMatchOutcomes(tx, marketplace.id);
        if (outcomes.some((o) => o.kind === 'request')) tx.changes('listing');
        const meetings = await listMeetingsByIds(tx, published.map((m) => m.id));

        // Those the runs left without a meeting, as this publication writes it: the note they did not get under review
        // (once: its key). Not those not matched before it (they had theirs), nor a matched one whose meeting ended (its
        // cancellation or decline said it). A publication with nothing new renders none.
        const notMatchedNow = outcomes.filter((o) => o.kind === 'response' && o.from_status === 'submitted' && o.to_status === 'not_matched').map((o) => o.id);
        const notMatched = await listNotMatchedResponses(tx, marketplace.id, notMatchedNow, cancellationReasons.removedBySecretariat);
        const notes = notMatchedEmails(ctx, marketplace.name, notMatched.map((n) => ({ responseId: n.id, requestId: n.request_id, requestTitle: n.title, requesterName: n.requester_name, to: n.email, locale: n.locale, removed: !!n.removed })));

        // Each request the published meetings serve (a joint meeting serves several of its requester's), and each whose
        // responses this publication leaves without a meeting: to the person who posted it, the summary of its meetings as
        // they stand, or that none could be scheduled (one read for all of them, not one per request). Before, a request
        // left without any meeting got nothing: 2,265 of 5,003 at fifty times a forum, whose responders got their notes.
        const requestIds = [...new Set([...meetings.flatMap((m) => [m.request_id, ...m.also_requests.map((r) => r.id)]), ...notMatched.map((n) => n.request_id)])];
        const activeOfRequest = new Map<string, Awaited<ReturnType<typeof listActiveMeetingsOfRequests>>>();
        for (const a of await listActiveMeetingsOfRequests(tx, requestIds)) {
          const list = activeOfRequest.get(a.request_id);
          if (list) list.push(a);
          else activeOfRequest.set(a.request_id, [a]);
        }
        const publication = new Date().toISOString();
        const requesters = await listRequestsWithPoster(tx, requestIds);
        // The invitations, then the summaries, rendered as they are written (a chunk while the one before is inserted, the
        // event loop turning every hundred): all rendered before the first INSERT, they held the web process's thread
        // about a second at fifty times a forum.
        function* emails(): Generator<OutboxEmail> {
          for (const m of meetings) yield* meetingNoticeEmails(ctx, noticeFactsOf(m), m.status === 'confirmed' ? 'confirmed' : 'new');
          for (const r of requesters) {
            const mine = (activeOfRequest.get(r.id) ?? []).map((a) => ({ provider: a.provider_name, startsAt: a.starts_at, room: a.room_name }));
            yield requesterSummaryEmail(ctx, {
              requestId: r.id,
              runId: `publication-${publication}`,
              requestTitle: r.title,
              to: { email: r.email, name: r.name, locale: r.locale ?? 'en', time_zone: r.time_zone },
              timeZone: marketplace.time_zone,
              meetings: mine,
            });
          }
        }
        // What was written, not what was rendered: a note or an invitation already queued under its key is not queued again.
        const queued = (await tx.queueEmails(emails())) + (await tx.queueResponderEmails(notes));
        // A run that made no meeting still has its notes to send; a publication that changed nothing is not recorded.
        if (meetings.length > 0 || queued > 0 || outcomes.length > 0) {
          await recordAudit(tx, actor, { entity: 'marketplace', entityId: marketplace.id, action: 'publish-schedule', detail: { meetings: meetings.length, emails: queued } });
        }
        return { published: meetings.length, emails: queued };
      },
      { db: connection },
    ),
  );
}
