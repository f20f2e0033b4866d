import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { requireActor, requireOrganizer } from '../../auth/actor.ts';
import { parseInput } from '../../shared/parse.ts';
import { preferredBody, unavailabilityBody } from '../../meetings/meetings.schemas.ts';
import { findMarketplace } from '../../marketplaces/marketplaces.service.ts';
import { answerMeetingAsMember, declareUnavailability, getMeetingFor, listMyMeetings, markPreferred, requestMatchingRun } from '../../meetings/meetings.service.ts';
import { listMeetingsOfMarketplace } from '../../meetings/meetings.repository.ts';
import { meetingToJson } from '../../meetings/meetings.export.ts';
import { marketplaceReport } from '../../meetings/report.service.ts';
import { idParam as id, slugParam as slug } from './params.ts';


const emptyBody = z.object({}).strict();

/** Meetings, matching runs and the report over the API (mounted in apiRouter). */
export function meetingsApi(ctx: AppContext): Router {
  const api = Router();

  api.get('/meetings', async (req, res) => {
    const meetings = await listMyMeetings(ctx, req.actor);
    res.json({ items: meetings.map((m) => meetingToJson(m, { withScore: true })), nextCursor: null });
  });
  api.get('/meetings/:id', async (req, res) => {
    res.json(meetingToJson(await getMeetingFor(ctx, req.actor, id(req.params.id, 'The meeting')), { withScore: true }));
  });
  for (const [action, answer] of [['accept', 'accepted'], ['decline', 'declined']] as const) {
    api.post(`/meetings/:id/${action}`, async (req, res) => {
      requireActor(req.actor);
      parseInput(emptyBody, req.body ?? {});
      const meetingId = id(req.params.id, 'The meeting');
      await answerMeetingAsMember(ctx, req.actor, meetingId, answer);
      res.json(meetingToJson((await getMeetingFor(ctx, req.actor, meetingId)), { withScore: true }));
    });
  }

  api.post('/marketplaces/:slug/matching-runs', async (req, res) => {
    requireOrganizer(req.actor);
    parseInput(emptyBody, req.body ?? {});
    res.status(202).json(await requestMatchingRun(ctx, req.actor, slug(req.params.slug)));
  });
  api.get('/marketplaces/:slug/matching-runs', async (req, res) => {
    requireOrganizer(req.actor);
    const marketplace = await findMarketplace(ctx, slug(req.params.slug));
    const runs = await ctx.db.selectFrom('matching_runs').selectAll().where('marketplace_id', '=', marketplace.id).orderBy('started_at', 'desc').limit(50).execute();
    res.json({ items: runs, nextCursor: null });
  });
  api.get('/marketplaces/:slug/meetings', async (req, res) => {
    requireOrganizer(req.actor);
    const marketplace = await findMarketplace(ctx, slug(req.params.slug));
    const meetings = await listMeetingsOfMarketplace(ctx, marketplace.id);
    res.json({ items: meetings.map((m) => meetingToJson(m, { withScore: true })), nextCursor: null });
  });
  api.get('/marketplaces/:slug/report', async (req, res) => {
    requireOrganizer(req.actor);
    const report = await marketplaceReport(ctx, req.actor, slug(req.params.slug));
    res.json({ categories: report.categories, sessions: report.sessions, organizations: report.organizations, counts: report.counts });
  });
  api.post('/marketplaces/:slug/unavailability', async (req, res) => {
    requireActor(req.actor);
    const body = parseInput(unavailabilityBody, req.body);
    res.status(201).json(await declareUnavailability(ctx, req.actor, slug(req.params.slug), body));
  });
  api.put('/responses/:id/preferred', async (req, res) => {
    requireActor(req.actor);
    const body = parseInput(preferredBody, req.body);
    res.json(await markPreferred(ctx, req.actor, id(req.params.id, 'The response'), body.preferred));
  });

  return api;
}
