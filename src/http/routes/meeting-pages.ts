import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireActor, requireOrganizer } from '../../auth/actor.ts';
import { AppError, invalid } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import { listMarketplaces, marketplacesTakenPartIn } from '../../marketplaces/marketplaces.service.ts';
import {
  listMyUnavailability,
  removeMyUnavailability,
  acceptAllMeetings,
  askForAnotherTime,
  getMeetingFor,
  answerMeetingAsMember,
  answerMeetingByLink,
  declareUnavailability,
  getMeetingByLink,
  getTimetable,
  listMarketplaceMeetings,
  listMyMeetings,
  markPreferred,
  markResponse,
  requestMatchingRun,
} from '../../meetings/meetings.service.ts';
import { canAcceptMeeting, canAnswerMeeting, canAskForAnotherTime, canReinstateMeeting, canSeeScore, isAnswerable, partyMayReinstate, partyOf } from '../../meetings/meetings.policy.ts';
import type { Actor } from '../../auth/actor.ts';
import { z } from 'zod';
import { slugField } from '../../marketplaces/marketplaces.schemas.ts';
import { dateField, optionalClockField } from '../../shared/time-input.ts';
import type { MeetingDetail } from '../../meetings/meetings.repository.ts';
import { publishSchedule } from '../../meetings/publication.service.ts';
import { previewMatching } from '../../meetings/matching-preview.service.ts';
import { BREAK_AFTER, scheduleQuality } from '../../meetings/schedule-quality.ts';
import { unmetRequests, addMeetingByOrganizer, freePlaces, moveMeetingByOrganizer, pinMeetingByOrganizer, placesForMeeting, removeMeetingByOrganizer, offersWithoutMeeting, type FreePlace } from '../../meetings/meeting-edits.service.ts';
import { calendarFeed, FEED_REMINDER_MINUTES, myCalendarFeed, resetMyCalendarFeed } from '../../meetings/calendar-feed.service.ts';
import { getResponse } from '../../responses/responses.service.ts';
import { getRequest } from '../../requests/requests.service.ts';
import { meetingsToCsv, meetingsToIcs } from '../../meetings/meetings.export.ts';
import { marketplaceReport, reportToCsv } from '../../meetings/report.service.ts';
import { forumSlots, marketplaceShape } from '../../meetings/matching-instance.ts';
import { instantToLocal } from '../../shared/time.ts';
import { anotherTimeBody, declineBody, markBody, moveBody, pinBody, unavailabilityBody } from '../../meetings/meetings.schemas.ts';
import { bodyOf, handleForm, readFilters, str, type FormValues } from '../forms.ts';
import { searchText } from '../../shared/schema-fields.ts';
import { outcomesOf, recordOutcome } from '../../outcomes/outcomes.service.ts';
import { canRecordOutcome } from '../../outcomes/outcomes.policy.ts';
import { meetingOutcomes, outcomeBody, outcomeLabels } from '../../outcomes/outcomes.schemas.ts';
import { displayNow } from '../../shared/clock.ts';
import { getScheduleState, getScheduleStates } from '../../meetings/matching-schedule.ts';
import { renderPage } from './render.ts';
import { idParam, slugParam } from './params.ts';
import { N_, t } from '../../i18n/i18n.ts';

/** A meeting as its pages show it to a person: the other side, both contacts, and what the policy lets this person do. */
function meetingCard(actor: Actor, m: MeetingDetail) {
  const party = partyOf(actor, m);
  return {
    ...m,
    party,
    // The providing side: the provider and any provider that answered jointly with it.
    other: party === 'provider' ? m.requester_name : [m.provider_name, ...m.partners.map((p) => p.name)].join(' & '),
    contacts: [
      { side: 'requester', organization: m.requester_name, person: m.requester_person, email: m.requester_email },
      { side: 'provider', organization: m.provider_name, person: m.provider_person, email: m.provider_email },
      ...m.partners.map((p) => ({ side: 'provider', organization: p.name, person: p.person, email: p.email })),
    ],
    canAnswer: canAnswerMeeting(actor, m),
    canAccept: canAcceptMeeting(actor, m),
    canReinstate: canReinstateMeeting(actor, m),
    canAskAnotherTime: canAskForAnotherTime(actor, m),
    showScore: canSeeScore(actor, m),
  };
}


/** "When we cannot meet": a day, and a time span within it (none for the whole day). */
const unavailabilityForm = z
  .object({ marketplace: slugField, day: z.string().trim().min(1, 'is required').pipe(dateField), from: optionalClockField, until: optionalClockField })
  .superRefine((v, issues) => {
    if (v.from && v.until && v.until <= v.from) issues.addIssue({ code: 'custom', path: ['until'], message: 'must be after the start' });
  });

/** The add-meeting page's search of the offers: the lists' search field. */
const addMeetingSearch = z.object({ q: searchText() });
export function meetingPages(ctx: AppContext): Router {
  const router = Router();

  const showMine = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const actor = requireActor(req.actor);
    const [meetings, feed, unavailability, marketplaces] = await Promise.all([listMyMeetings(ctx, actor), myCalendarFeed(ctx, actor), listMyUnavailability(ctx, actor), actor.organization ? listMarketplaces(ctx) : []]);
    // What each card offers comes from the same policy the services apply.
    const cards = meetings.map((m) => meetingCard(actor, m));
    // Organizations say when they cannot meet in the marketplaces whose forum is still ahead.
    const today = new Date().toISOString().slice(0, 10);
    const ahead = marketplaces.filter((m) => m.forum_ends_on >= today);
    const upcoming = ahead.map((m) => ({ value: m.slug, label: m.name }));
    // Each marketplace still ahead that the organization took part in says where its schedule stands (a draft the secretariat
    // reviews, say), unless it stands published and the organization's meetings in it are the cards below.
    const takenPartIn = actor.organization ? await marketplacesTakenPartIn(ctx, actor.organization.id) : new Set<string>();
    const withMeetings = new Set(meetings.map((m) => m.marketplace_id));
    const mine = ahead.filter((m) => takenPartIn.has(m.id));
    const states = await getScheduleStates(ctx, mine.map((m) => m.id));
    const schedules = mine.flatMap((m) => {
      const state = states.get(m.id);
      return state && !(state.stage === 'scheduled' && withMeetings.has(m.id)) ? [{ name: m.name, timeZone: m.time_zone, ...state }] : [];
    });
    renderPage(req, res, 'meetings.njk', { title: t(req.locale, 'Your side meetings'), meetings: cards, toAccept: cards.filter((c) => c.canAccept).length, feed, unavailability, upcoming, schedules, values: {}, ...extra }, status);
  };
  router.get('/meetings', async (req, res) => {
    const notices: Record<string, string> = {
      accepted: N_('You accepted the meeting.'),
      declined: N_('You declined the meeting; the other party is told and the slot goes to the next best offer.'),
      unavailable: N_('Saved: no meeting will be scheduled for you at that time in the next run.'),
      acceptedAll: N_('You accepted every meeting that waited for your answer.'),
      anotherTime: N_('Your request for another time is sent to the secretariat; the next matching run moves the meeting and asks both of you again.'),
      feedReset: N_('Your calendar address is new: the old one no longer works. Subscribe again with the new one.'),
      availableAgain: N_('Removed: the next run may schedule meetings for you at that time again.'),
    };
    const notice = notices[str(req.query.notice)];
    await showMine(req, res, { notice: notice ? t(req.locale, notice) : undefined });
  });
  router.post('/meetings/accept-all', async (req, res) => {
    await acceptAllMeetings(ctx, req.actor);
    res.redirect(303, '/meetings?notice=acceptedAll');
  });
  router.post('/meetings/calendar/reset', async (req, res) => {
    await resetMyCalendarFeed(ctx, req.actor);
    res.redirect(303, '/meetings?notice=feedReset#calendar');
  });
  router.post('/meetings/:id/accept', async (req, res) => {
    const id = idParam(req.params.id, 'The meeting');
    await handleForm(
      res,
      async () => {
        await answerMeetingAsMember(ctx, req.actor, id, 'accepted');
        res.redirect(303, `/meetings?notice=accepted#meeting-${id}`);
      },
      (status, _errors, formError) => showMine(req, res, { formError }, status),
    );
  });

  // A meeting's own page: its facts, both contact people, its calendar file, and what its party can do.
  const showMeeting = async (req: Request, res: Response, view: 'meeting.njk' | 'meeting-decline.njk' | 'meeting-another-time.njk', extra: Record<string, unknown> = {}, status = 200) => {
    const actor = requireActor(req.actor);
    const meeting = await getMeetingFor(ctx, actor, idParam(req.params.id, 'The meeting'));
    const card = meetingCard(actor, meeting);
    const outcomes = view === 'meeting.njk' ? await outcomesOf(ctx, actor, meeting) : [];
    const mine = outcomes.find((o) => o.party === card.party);
    const notice = str(req.query.notice) === 'outcome-saved' ? t(req.locale, 'Thank you: your answer is saved. You can change it here.') : undefined;
    const titles = { 'meeting.njk': N_('Side meeting with {{name}}'), 'meeting-decline.njk': N_('Decline the meeting with {{name}}?'), 'meeting-another-time.njk': N_('Ask for another time with {{name}}') };
    renderPage(
      req,
      res,
      view,
      {
        title: t(req.locale, titles[view], { name: card.other }),
        m: card,
        outcomes,
        canTellOutcome: canRecordOutcome(actor, meeting, displayNow()),
        outcomeOptions: meetingOutcomes.map((value) => ({ value, label: t(req.locale, outcomeLabels[value]) })),
        notice,
        ...extra,
        values: { outcome: mine?.outcome ?? '', note: mine?.note ?? '', ...((extra.values as FormValues | undefined) ?? {}) },
      },
      status,
    );
  };
  // A side, signed in, tells what came of the meeting once it has ended.
  router.post('/meetings/:id/outcome', async (req, res) => {
    const id = idParam(req.params.id, 'The meeting');
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        await recordOutcome(ctx, req.actor, id, parseInput(outcomeBody, { outcome: str(values.outcome), note: str(values.note) }));
        res.redirect(303, `/meetings/${id}?notice=outcome-saved#outcome`);
      },
      // The schema's message names the stored values; the page asks in words.
      (status, errors, formError) => showMeeting(req, res, 'meeting.njk', { values, errors: errors.outcome ? { ...errors, outcome: t(req.locale, 'Choose one of the answers.') } : errors, formError }, status),
    );
  });
  router.get('/meetings/:id', (req, res) => showMeeting(req, res, 'meeting.njk'));
  router.get('/meetings/:id/calendar.ics', async (req, res) => {
    const meeting = await getMeetingFor(ctx, req.actor, idParam(req.params.id, 'The meeting'));
    const ics = meetingsToIcs(ctx, [meeting], { name: t(req.locale, 'Side meeting'), locale: req.locale, timeZone: meeting.time_zone, reminderMinutes: FEED_REMINDER_MINUTES });
    res.type('text/calendar; charset=utf-8').attachment(`meeting-${meeting.id}.ics`).send(ics);
  });
  // A party's answer with one optional text (a decline's reason, the times that suit), as the API's body takes it.
  const textAnswer = (path: 'decline' | 'another-time', view: 'meeting-decline.njk' | 'meeting-another-time.njk', field: 'reason' | 'note', notice: string, act: (actor: Actor | null, id: string, text: string | null) => Promise<unknown>) => {
    const body = field === 'reason' ? declineBody : anotherTimeBody;
    router.get(`/meetings/:id/${path}`, (req, res) => showMeeting(req, res, view));
    router.post(`/meetings/:id/${path}`, async (req, res) => {
      const id = idParam(req.params.id, 'The meeting');
      const values = bodyOf(req);
      await handleForm(
        res,
        async () => {
          const text = str(values[field]).trim() ? str(values[field]) : undefined;
          const input = parseInput(body, text === undefined ? {} : { [field]: text }) as { reason?: string; note?: string };
          await act(req.actor, id, input[field] ?? null);
          res.redirect(303, `/meetings?notice=${notice}#meeting-${id}`);
        },
        (status, errors, formError) => showMeeting(req, res, view, { values, errors, formError }, status),
      );
    });
  };
  textAnswer('decline', 'meeting-decline.njk', 'reason', 'declined', (actor, id, reason) => answerMeetingAsMember(ctx, actor, id, 'declined', reason));
  textAnswer('another-time', 'meeting-another-time.njk', 'note', 'anotherTime', (actor, id, note) => askForAnotherTime(ctx, actor, id, note));

  // A person's private calendar feed, for calendar clients (no session, no cookies): the signed address authorizes it.
  router.get('/calendar/:userId/:file', async (req, res) => {
    const file = str(req.params.file);
    const userId = str(req.params.userId);
    if (!file.endsWith('.ics') || !/^[0-9a-f-]{36}$/i.test(userId)) throw new AppError(404, 'not-found', 'Calendar not found', 'This calendar address is not valid any more.');
    const { ics, actor } = await calendarFeed(ctx, userId, file.slice(0, -'.ics'.length));
    // Written in its owner's language, whoever's client fetches it.
    res.set('Cache-Control', 'private, max-age=300').set('Content-Language', actor.locale).type('text/calendar; charset=utf-8').send(ics);
  });

  // "When we cannot meet", from the meetings page: the marketplace is a field of the form.
  router.post('/meetings/unavailability', async (req, res) => {
    requireActor(req.actor);
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        // The form's own fields first, named as the page names them; then the API's body they make.
        const { marketplace, day, from, until } = parseInput(unavailabilityForm, { marketplace: str(values.marketplace), day: str(values.day), from: str(values.from), until: str(values.until) });
        const input = parseInput(unavailabilityBody, { startsAt: from ? `${day}T${from}` : day, endsAt: until ? `${day}T${until}` : day, ...(str(values.note).trim() ? { note: str(values.note) } : {}) });
        await declareUnavailability(ctx, req.actor, marketplace, input);
        res.redirect(303, '/meetings?notice=unavailable#unavailability');
      },
      (status, errors, formError) => showMine(req, res, { values, errors, formError }, status),
      // What the service says of the times it was given (outside the forum, say) lands beside the form's fields.
      { startsAt: 'day', endsAt: 'until' },
    );
  });
  router.post('/meetings/unavailability/:id/delete', async (req, res) => {
    await removeMyUnavailability(ctx, req.actor, idParam(req.params.id, 'The declared time'));
    res.redirect(303, '/meetings?notice=availableAgain#unavailability');
  });
  // The link in an invitation: answers without signing in; the signed token is the authorization.
  const answerPage = async (req: Request, res: Response, done?: string, extra: Record<string, unknown> = {}) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const meeting = await getMeetingByLink(ctx, id, party, token);
    const answerable = isAnswerable(meeting);
    // A party that accepted is not asked to accept again (it may still decline).
    const accepted = (meeting.party === 'requester' ? meeting.requester_answer : meeting.provider_answer) === 'accepted';
    const reinstatable = partyMayReinstate(meeting.party, meeting);
    const confirmDecline = answerable && !done && (str(req.query.decline) === '1' || extra.confirmDeclineAgain === true);
    renderPage(req, res, 'meeting-answer.njk', { title: t(req.locale, 'Your side meeting'), meeting, party, answerable, accepted, reinstatable, confirmDecline, action: `/meetings/${id}/answer/${party}/${token}`, done, values: {}, ...extra });
  };
  router.get('/meetings/:id/answer/:party/:token', (req, res) => answerPage(req, res));
  router.post('/meetings/:id/answer/:party/:token', async (req, res) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const values = bodyOf(req);
    const answer = str(values.answer);
    // The link first: a forged one is a 404 whatever the form says.
    await getMeetingByLink(ctx, id, party, token);
    if (answer !== 'accepted' && answer !== 'declined') throw new AppError(400, 'bad-answer', 'Choose an answer', 'Choose accept or decline.');
    await handleForm(
      res,
      async () => {
        const input = parseInput(declineBody, { ...(answer === 'declined' && str(values.reason).trim() ? { reason: str(values.reason) } : {}) });
        await answerMeetingByLink(ctx, id, party, token, answer, input.reason ?? null);
        await answerPage(req, res, answer);
      },
      (status, errors, formError) => answerPage(req, res, undefined, { values, errors, formError, confirmDeclineAgain: answer === 'declined' }),
    );
  });

  router.post('/responses/:id/mark', async (req, res) => {
    const id = idParam(req.params.id, 'The response');
    const raw = str(bodyOf(req).mark);
    const { mark } = parseInput(markBody, { mark: raw === '' ? null : raw });
    await markResponse(ctx, req.actor, id, mark);
    const response = await getResponse(ctx, req.actor, id);
    // Once the side meetings are scheduled a mark changes none of them: the page says it counts in the runs to come.
    const request = await getRequest(ctx, req.actor, response.request_id);
    const stage = (await getScheduleState(ctx, request.marketplace_id))?.stage;
    res.redirect(303, `/requests/${response.request_id}?notice=${stage === 'waiting' || stage === undefined ? 'marked' : 'marked-after-run'}#response-${id}`);
  });
  router.post('/responses/:id/preferred', async (req, res) => {
    const id = idParam(req.params.id, 'The response');
    const preferred = str(bodyOf(req).preferred) === 'true';
    await markPreferred(ctx, req.actor, id, preferred);
    const response = await getResponse(ctx, req.actor, id);
    res.redirect(303, `/requests/${response.request_id}#response`);
  });

  /** What the runs table shows of a run: its stage while it runs, the gap so far or at the end, how long it took. */
  const stageLabels = { queued: N_('queued'), waiting: N_('waiting for the run before it'), loading: N_('loading'), solving: N_('solving'), storing: N_('storing'), done: N_('done'), failed: N_('failed: nothing of it was stored; you can start it again'), abandoned: N_('stopped with its worker process: nothing of it was stored, and a later run redoes it') } as const;
  const triggerLabels = { deadline: N_('after the deadline'), organizer: N_('by an organizer'), decline: N_('after a decline'), sweep: N_('by the periodic check') } as const;
  function runForPage(run: Awaited<ReturnType<typeof getTimetable>>['runs'][number]) {
    const progress = run.progress as { gap?: number } | null;
    const stats = run.stats as { gap?: number; stoppedOnTimeLimit?: boolean } | null;
    const gap = run.status === 'running' ? progress?.gap : (stats?.gap ?? progress?.gap);
    return {
      ...run,
      stageLabel: stageLabels[run.stage],
      triggerLabel: triggerLabels[run.trigger],
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
  /**
   * When the marketplace's own matching run is still ahead (the requesters' time to mark the responses
   * they prefer, after the deadline): the pages that start a run say so, since a run started now does
   * not see the marks made after it, and the planned run plans again with them.
   */
  const plannedRunAt = async (marketplaceId: string): Promise<Date | null> => {
    const state = await getScheduleState(ctx, marketplaceId);
    return state && state.matchingAt > displayNow() ? state.matchingAt : null;
  };
  router.get('/organizer/marketplaces/:slug/timetable', async (req, res) => {
    const { marketplace, rooms, sessions, meetings, runs, nothingToMatch } = await getTimetable(ctx, req.actor, slugParam(req.params.slug));
    const matchingAt = await plannedRunAt(marketplace.id);
    // The same marketplace and meetings, not read again.
    const unmet = await unmetRequests(ctx, req.actor, marketplace.slug, { source: { marketplace, rooms, sessions, meetings } });
    // The grid shows every slot of the day, closed windows included (as "no meetings").
    const slots = forumSlots({ ...marketplaceShape(marketplace), noMeetingWindows: [] });
    const days = [...new Set(slots.map((s) => instantToLocal(s.startsAt, marketplace.time_zone).date))];
    const byCell = new Map(meetings.map((m) => [`${m.starts_at.getTime()}|${m.room_id}`, m]));
    // A joint meeting (one per pair of organizations) may last several slots: its cell spans their rows.
    const slotMs = marketplace.meeting_minutes * 60_000;
    const continuing = new Set(meetings.flatMap((m) => Array.from({ length: Math.round((m.ends_at.getTime() - m.starts_at.getTime()) / slotMs) - 1 }, (_, k) => `${m.starts_at.getTime() + (k + 1) * slotMs}|${m.room_id}`)));
    type Cell = ((typeof meetings)[number] & { rows: number }) | 'continued' | null;
    // A run of slots with no meeting is one row ("10:00-17:30: no meetings"), so a day reads at a glance.
    const grid = days.map((day) => {
      const rows: Array<{ time: string; until?: string; cells: Cell[]; empty: boolean }> = [];
      for (const s of slots.filter((x) => instantToLocal(x.startsAt, marketplace.time_zone).date === day)) {
        const cells = rooms.map((r): Cell => {
          const key = `${s.startsAt.getTime()}|${r.id}`;
          const m = byCell.get(key);
          if (m) return { ...m, rows: Math.max(1, Math.round((m.ends_at.getTime() - m.starts_at.getTime()) / slotMs)) };
          return continuing.has(key) ? 'continued' : null;
        });
        const empty = cells.every((c) => c === null);
        const last = rows.at(-1);
        const until = instantToLocal(s.endsAt, marketplace.time_zone).time;
        if (empty && last?.empty) last.until = until;
        else rows.push({ time: instantToLocal(s.startsAt, marketplace.time_zone).time, until, cells, empty });
      }
      return { day, rows, meetings: rows.reduce((n, r) => n + r.cells.filter((c) => c && c !== 'continued').length, 0) };
    });
    renderPage(req, res, 'organizer/timetable.njk', {
      title: t(req.locale, 'Timetable: {{marketplace}}', { marketplace: marketplace.name }),
      marketplace,
      rooms,
      grid,
      meetings,
      runs: runs.map(runForPage),
      matchingAt,
      // Before any request has closed a run has nothing to match, and the page says so by the button.
      nothingToMatch,
      drafts: meetings.filter((m) => !m.published_at).length,
      quality: (() => {
        const q = scheduleQuality(meetings.map((m) => ({ requesterOrgId: m.requester_org_id, providerOrgId: m.provider_org_id, roomId: m.room_id, startsAt: m.starts_at, endsAt: m.ends_at })), marketplace.time_zone, marketplace.break_after ?? BREAK_AFTER);
        const names = new Map(meetings.flatMap((m) => [[m.requester_org_id, m.requester_name] as const, [m.provider_org_id, m.provider_name] as const]));
        return { ...q, busiestPercent: Math.round(q.busiestDayShare * 100), mostInADayName: q.mostInADay ? names.get(q.mostInADay.organizationId) : null, breakAfter: marketplace.break_after ?? BREAK_AFTER };
      })(),
      unmet,
      unmetReasons: {
        declined: t(req.locale, 'a party declined it, or the secretariat removed it'),
        excluded: t(req.locale, 'the requester marked it "not this one"'),
        'no-common-time': t(req.locale, 'no common free time (meetings, agenda roles, unavailability)'),
        'meeting-limits': t(req.locale, 'whenever both are free, one of them would have more meetings that day, or more in a row, than the marketplace allows'),
        'rooms-full': t(req.locale, 'every room is taken whenever both are free'),
        'provider-capacity': t(req.locale, 'the provider has as many meetings as it can take'),
        'free-now': t(req.locale, 'a slot is free now: the next run, or you by hand, can schedule it'),
      },
      notice:
        str(req.query.notice) === 'queued'
          ? t(req.locale, 'The matching run is queued; reload in a moment.')
          : ['moved', 'removed', 'added'].includes(str(req.query.notice))
            ? t(req.locale, { moved: N_('The meeting is moved; its parties are asked again if it was published.'), removed: N_('The meeting is removed; its parties are told if it was published.'), added: N_('The meeting is added.') }[str(req.query.notice) as 'moved' | 'removed' | 'added'])
          : str(req.query.notice) === 'published'
            ? t(req.locale, 'Published: {{count}} meetings are now shown to their parties, and their invitations are on their way.', { count: Number(str(req.query.count)) || 0 })
            : undefined,
    });
  });
  // The secretariat's hand edits: move a meeting to a free place, remove it, add one.
  const placeGroups = (places: FreePlace[]) => {
    const byDay = new Map<string, FreePlace[]>();
    for (const p of places) byDay.set(p.local.date, [...(byDay.get(p.local.date) ?? []), p]);
    return [...byDay].map(([day, list]) => ({ day, places: list }));
  };
  const showEdit = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const { meeting, places } = await placesForMeeting(ctx, req.actor, idParam(req.params.id, 'The meeting'));
    renderPage(req, res, 'organizer/meeting-edit.njk', { title: t(req.locale, 'Move or remove a meeting'), meeting, groups: placeGroups(places), values: {}, ...extra }, status);
  };
  router.get('/organizer/meetings/:id/edit', (req, res) => showEdit(req, res));
  router.post('/organizer/meetings/:id/move', async (req, res) => {
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const moved = (await moveMeetingByOrganizer(ctx, req.actor, idParam(req.params.id, 'The meeting'), parseInput(moveBody, { place: str(values.place) }).place))!;
        res.redirect(303, `/organizer/marketplaces/${moved.marketplace_slug}/timetable?notice=moved`);
      },
      (status, errors, formError) => showEdit(req, res, { values, errors, formError }, status),
    );
  });
  router.post('/organizer/meetings/:id/pin', async (req, res) => {
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const pinned = (await pinMeetingByOrganizer(ctx, req.actor, idParam(req.params.id, 'The meeting'), parseInput(pinBody, { pinned: str(values.pinned) === 'true' ? true : str(values.pinned) === 'false' ? false : str(values.pinned) }).pinned))!;
        res.redirect(303, `/organizer/meetings/${pinned.id}/edit`);
      },
      (status, errors, formError) => showEdit(req, res, { errors, formError }, status),
    );
  });
  router.post('/organizer/meetings/:id/remove', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const removed = (await removeMeetingByOrganizer(ctx, req.actor, idParam(req.params.id, 'The meeting')))!;
        res.redirect(303, `/organizer/marketplaces/${removed.marketplace_slug}/timetable?notice=removed`);
      },
      (status, errors, formError) => showEdit(req, res, { errors, formError }, status),
    );
  });
  const showAdd = async (req: Request, res: Response, values: Record<string, unknown>, extra: Record<string, unknown> = {}, status = 200) => {
    const slug = slugParam(req.params.slug);
    // The search narrows the offers listed (one the lists' search field refuses is named beside its field, and lists them all).
    const search = readFilters(addMeetingSearch, { q: str(values.q) }, req.locale);
    const qError = search.errors.q;
    const { marketplace, responses, chosen, total, matching } = await offersWithoutMeeting(ctx, req.actor, slug, { q: search.data?.q ?? '', chosenId: str(values.responseId) });
    const groups = chosen ? placeGroups(await freePlaces(ctx, slug, [chosen.requester_org_id, chosen.provider_org_id])) : [];
    const errors = qError ? { ...((extra.errors as Record<string, string> | undefined) ?? {}), q: qError } : extra.errors;
    renderPage(req, res, 'organizer/meeting-add.njk', { title: t(req.locale, 'Add a meeting by hand'), marketplace, responses, chosen, groups, total, matching, values, ...extra, errors }, qError ? 422 : status);
  };
  router.get('/organizer/marketplaces/:slug/meetings/new', (req, res) => showAdd(req, res, { responseId: str(req.query.responseId), q: str(req.query.q) }));
  router.post('/organizer/marketplaces/:slug/meetings', async (req, res) => {
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const responseId = str(values.responseId);
        if (!/^[0-9a-f-]{36}$/i.test(responseId)) throw invalid([{ path: 'responseId', message: 'is required' }]);
        const place = parseInput(moveBody, { place: str(values.place) }).place;
        await addMeetingByOrganizer(ctx, req.actor, slugParam(req.params.slug), { responseId, place });
        res.redirect(303, `/organizer/marketplaces/${req.params.slug}/timetable?notice=added`);
      },
      (status, errors, formError) => showAdd(req, res, values, { errors, formError }, status),
    );
  });

  router.get('/organizer/marketplaces/:slug/matching-preview', async (req, res) => {
    const preview = await previewMatching(ctx, req.actor, slugParam(req.params.slug));
    renderPage(req, res, 'organizer/matching-preview.njk', {
      title: t(req.locale, 'What a run would change now: {{marketplace}}', { marketplace: preview.marketplace.name }),
      preview,
      matchingAt: await plannedRunAt(preview.marketplace.id),
    });
  });
  router.post('/organizer/marketplaces/:slug/schedule/publish', async (req, res) => {
    const { published } = await publishSchedule(ctx, req.actor, slugParam(req.params.slug));
    res.redirect(303, `/organizer/marketplaces/${req.params.slug}/timetable?notice=published&count=${published}`);
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
    const ics = meetingsToIcs(ctx, meetings, { name: t(req.locale, '{{marketplace}}: side meetings', { marketplace: marketplace.name }), locale: req.locale, timeZone: marketplace.time_zone });
    res.type('text/calendar; charset=utf-8').attachment(`${marketplace.slug}-meetings.ics`).send(ics);
  });
  router.get('/organizer/marketplaces/:slug/report.csv', async (req, res) => {
    const report = await marketplaceReport(ctx, req.actor, slugParam(req.params.slug));
    res.type('text/csv').attachment(`${report.marketplace.slug}-summary.csv`).send(reportToCsv(report));
  });

  return router;
}
