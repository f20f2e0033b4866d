import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireActor, requireOrganizer } from '../../auth/actor.ts';
import { AppError } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import {
  answerMeetingAsMember,
  answerMeetingByLink,
  declareUnavailability,
  getMeetingByLink,
  getTimetable,
  listMarketplaceMeetings,
  listMyMeetings,
  markPreferred,
  requestMatchingRun,
} from '../../meetings/meetings.service.ts';
import { canAcceptMeeting, canAnswerMeeting, canSeeScore, partyOf } from '../../meetings/meetings.policy.ts';
import { meetingStatusSets } from '../../meetings/meeting-status.ts';
import { getResponse } from '../../responses/responses.service.ts';
import { meetingsToCsv, meetingsToIcs } from '../../meetings/meetings.export.ts';
import { marketplaceReport, reportToCsv } from '../../meetings/report.service.ts';
import { forumSlots } from '../../meetings/matching-instance.ts';
import { instantToLocal } from '../../shared/time.ts';
import { unavailabilityBody } from '../../meetings/meetings.schemas.ts';
import { bodyOf, handleForm, str } from '../forms.ts';
import { renderPage } from './render.ts';
import { idParam, slugParam } from './params.ts';
import { N_, t } from '../../i18n/i18n.ts';

export function meetingPages(ctx: AppContext): Router {
  const router = Router();

  const showMine = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const actor = requireActor(req.actor);
    const meetings = await listMyMeetings(ctx, actor);
    // What each card offers comes from the same policy the services apply.
    const cards = meetings.map((m) => ({ ...m, party: partyOf(actor, m), canAnswer: canAnswerMeeting(actor, m), canAccept: canAcceptMeeting(actor, m), showScore: canSeeScore(actor, m) }));
    renderPage(req, res, 'meetings.njk', { title: t(req.locale, 'Your side meetings'), meetings: cards, values: {}, ...extra }, status);
  };
  router.get('/meetings', async (req, res) => {
    const notices: Record<string, string> = {
      accepted: N_('You accepted the meeting.'),
      declined: N_('You declined the meeting; the other party is told and the slot goes to the next best offer.'),
      unavailable: N_('Saved: no meeting will be scheduled for you at that time in the next run.'),
    };
    const notice = notices[str(req.query.notice)];
    await showMine(req, res, { notice: notice ? t(req.locale, notice) : undefined });
  });
  for (const [action, answer] of [['accept', 'accepted'], ['decline', 'declined']] as const) {
    router.post(`/meetings/:id/${action}`, async (req, res) => {
      await answerMeetingAsMember(ctx, req.actor, idParam(req.params.id, 'The meeting'), answer);
      res.redirect(303, `/meetings?notice=${answer}`);
    });
  }
  router.post('/marketplaces/:slug/unavailability', async (req, res) => {
    requireActor(req.actor);
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const input = parseInput(unavailabilityBody, { startsAt: `${str(values.day)}T${str(values.from)}`, endsAt: `${str(values.day)}T${str(values.until)}`, ...(str(values.note) ? { note: str(values.note) } : {}) });
        await declareUnavailability(ctx, req.actor, slugParam(req.params.slug), input);
        res.redirect(303, '/meetings?notice=unavailable');
      },
      (status, errors, formError) => showMine(req, res, { values, errors: { day: errors.startsAt ?? errors.endsAt, ...errors }, formError }, status),
    );
  });

  // The link in an invitation: answers without signing in; the signed token is the authorization.
  const answerPage = async (req: Request, res: Response, done?: string) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const meeting = await getMeetingByLink(ctx, id, party, token);
    const answerable = meetingStatusSets.answerable.includes(meeting.status);
    renderPage(req, res, 'meeting-answer.njk', { title: t(req.locale, 'Your side meeting'), meeting, party, answerable, action: `/meetings/${id}/answer/${party}/${token}`, done });
  };
  router.get('/meetings/:id/answer/:party/:token', (req, res) => answerPage(req, res));
  router.post('/meetings/:id/answer/:party/:token', async (req, res) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const answer = str(bodyOf(req).answer);
    // The link first: a forged one is a 404 whatever the form says.
    await getMeetingByLink(ctx, id, party, token);
    if (answer !== 'accepted' && answer !== 'declined') throw new AppError(400, 'bad-answer', 'Choose an answer', 'Choose accept or decline.');
    await answerMeetingByLink(ctx, id, party, token, answer);
    await answerPage(req, res, answer);
  });

  router.post('/responses/:id/preferred', async (req, res) => {
    const id = idParam(req.params.id, 'The response');
    const preferred = str(bodyOf(req).preferred) === 'true';
    await markPreferred(ctx, req.actor, id, preferred);
    const response = await getResponse(ctx, req.actor, id);
    res.redirect(303, `/requests/${response.request_id}#response`);
  });

  /** What the runs table shows of a run: its stage while it runs, the gap so far or at the end, how long it took. */
  const stageLabels = { waiting: N_('waiting for the run before it'), loading: N_('loading'), solving: N_('solving'), storing: N_('storing'), done: N_('done'), failed: N_('failed') } as const;
  function runForPage(run: Awaited<ReturnType<typeof getTimetable>>['runs'][number]) {
    const progress = run.progress as { gap?: number } | null;
    const stats = run.stats as { gap?: number; stoppedOnTimeLimit?: boolean } | null;
    const gap = run.status === 'running' ? progress?.gap : (stats?.gap ?? progress?.gap);
    return {
      ...run,
      stageLabel: stageLabels[run.stage],
      gapPercent: typeof gap === 'number' && gap > 0 ? (gap * 100).toFixed(2) : null,
      durationSeconds: run.finished_at ? (Math.max(0, run.finished_at.getTime() - run.started_at.getTime()) / 1000).toFixed(1) : null,
      stoppedOnTimeLimit: !!stats?.stoppedOnTimeLimit,
    };
  }

  // Organizers: timetable, exports, report, run now.
  router.use('/organizer/marketplaces/:slug/', (req, _res, next) => {
    requireOrganizer(req.actor);
    next();
  });
  router.get('/organizer/marketplaces/:slug/timetable', async (req, res) => {
    const { marketplace, rooms, meetings, runs } = await getTimetable(ctx, req.actor, slugParam(req.params.slug));
    const slots = forumSlots({
      timeZone: marketplace.time_zone,
      forumStartsOn: marketplace.forum_starts_on,
      forumEndsOn: marketplace.forum_ends_on,
      meetingMinutes: marketplace.meeting_minutes,
      dayStarts: marketplace.meeting_day_starts.slice(0, 5),
      dayEnds: marketplace.meeting_day_ends.slice(0, 5),
      sessionCodes: [],
    });
    const days = [...new Set(slots.map((s) => instantToLocal(s.startsAt, marketplace.time_zone).date))];
    const byCell = new Map(meetings.map((m) => [`${m.starts_at.getTime()}|${m.room_id}`, m]));
    const grid = days.map((day) => ({
      day,
      rows: slots
        .filter((s) => instantToLocal(s.startsAt, marketplace.time_zone).date === day)
        .map((s) => ({ time: instantToLocal(s.startsAt, marketplace.time_zone).time, cells: rooms.map((r) => byCell.get(`${s.startsAt.getTime()}|${r.id}`) ?? null) })),
    }));
    renderPage(req, res, 'organizer/timetable.njk', {
      title: t(req.locale, 'Timetable: {{marketplace}}', { marketplace: marketplace.name }),
      marketplace,
      rooms,
      grid,
      meetings,
      runs: runs.map(runForPage),
      notice: str(req.query.notice) === 'queued' ? t(req.locale, 'The matching run is queued; reload in a moment.') : undefined,
    });
  });
  router.post('/organizer/marketplaces/:slug/matching-runs', async (req, res) => {
    await requestMatchingRun(ctx, req.actor, slugParam(req.params.slug));
    res.redirect(303, `/organizer/marketplaces/${req.params.slug}/timetable?notice=queued`);
  });
  router.get('/organizer/marketplaces/:slug/meetings.csv', async (req, res) => {
    const { marketplace, meetings } = await listMarketplaceMeetings(ctx, req.actor, slugParam(req.params.slug));
    res.type('text/csv').attachment(`${marketplace.slug}-meetings.csv`).send(meetingsToCsv(meetings));
  });
  router.get('/organizer/marketplaces/:slug/meetings.ics', async (req, res) => {
    const { marketplace, meetings } = await listMarketplaceMeetings(ctx, req.actor, slugParam(req.params.slug));
    res.type('text/calendar').attachment(`${marketplace.slug}-meetings.ics`).send(meetingsToIcs(ctx, meetings, t(req.locale, '{{marketplace}}: side meetings', { marketplace: marketplace.name })));
  });
  router.get('/organizer/marketplaces/:slug/report', async (req, res) => {
    const report = await marketplaceReport(ctx, req.actor, slugParam(req.params.slug));
    renderPage(req, res, 'organizer/report.njk', { title: t(req.locale, 'Report: {{marketplace}}', { marketplace: report.marketplace.name }), report });
  });
  router.get('/organizer/marketplaces/:slug/report.csv', async (req, res) => {
    const report = await marketplaceReport(ctx, req.actor, slugParam(req.params.slug));
    res.type('text/csv').attachment(`${report.marketplace.slug}-summary.csv`).send(reportToCsv(report));
  });

  return router;
}
