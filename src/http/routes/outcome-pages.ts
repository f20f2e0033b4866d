import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { parseInput } from '../../shared/parse.ts';
import { bodyOf, handleForm, str, type FormValues } from '../forms.ts';
import { renderPage } from './render.ts';
import { idParam, slugParam } from './params.ts';
import { t } from '../../i18n/i18n.ts';
import { assistanceBody, assistanceLabels, assistanceStatuses, meetingOutcomes, outcomeBody, outcomeLabels } from '../../outcomes/outcomes.schemas.ts';
import {
  funnelChart,
  funnelToCsv,
  getMeetingByOutcomeLink,
  getRequestByAssistanceLink,
  outcomeFunnel,
  recordAssistanceByLink,
  recordOutcomeByLink,
} from '../../outcomes/outcomes.service.ts';
import { marketplaceReport } from '../../meetings/report.service.ts';

const outcomeOptions = (locale: string) => meetingOutcomes.map((value) => ({ value, label: t(locale, outcomeLabels[value]) }));
const assistanceOptions = (locale: string) => assistanceStatuses.map((value) => ({ value, label: t(locale, assistanceLabels[value]) }));

/** What came of a meeting, whether the assistance started (from the emailed links, which act for their recipient), and the funnel report. */
export function outcomePages(ctx: AppContext): Router {
  const router = Router();

  const showOutcomeLink = async (req: Request, res: Response, extra: { values?: FormValues; errors?: Record<string, string>; formError?: string; saved?: boolean } = {}, status = 200) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const found = await getMeetingByOutcomeLink(ctx, idParam(id, 'The meeting'), party, token);
    const chosen = str(req.query.outcome);
    const values = extra.values ?? { outcome: (meetingOutcomes as readonly string[]).includes(chosen) ? chosen : (found.current ?? ''), note: found.note ?? '' };
    const other = found.party === 'requester' ? found.meeting.provider_name : found.meeting.requester_name;
    renderPage(
      req,
      res,
      'meeting-outcome.njk',
      { title: t(req.locale, 'What came of your side meeting with {{name}}?', { name: other }), meeting: found.meeting, other, options: outcomeOptions(req.locale), action: req.path, values, errors: extra.errors ?? {}, formError: extra.formError, saved: extra.saved },
      status,
    );
  };
  router.get('/meetings/:id/outcome/:party/:token', (req, res) => showOutcomeLink(req, res));
  router.post('/meetings/:id/outcome/:party/:token', async (req, res) => {
    const { id, party, token } = req.params as { id: string; party: string; token: string };
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        await recordOutcomeByLink(ctx, idParam(id, 'The meeting'), party, token, parseInput(outcomeBody, { outcome: str(values.outcome), note: str(values.note) }));
        await showOutcomeLink(req, res, { values, saved: true });
      },
      // The schema's message names the stored values; the page asks in words.
      (status, errors, formError) => showOutcomeLink(req, res, { values, errors: errors.outcome ? { ...errors, outcome: t(req.locale, 'Choose one of the answers.') } : errors, formError }, status),
    );
  });

  const showAssistanceLink = async (req: Request, res: Response, extra: { values?: FormValues; errors?: Record<string, string>; formError?: string; saved?: boolean } = {}, status = 200) => {
    const { id, token } = req.params as { id: string; token: string };
    const request = await getRequestByAssistanceLink(ctx, idParam(id, 'The request'), token);
    const chosen = str(req.query.status);
    const values = extra.values ?? { status: (assistanceStatuses as readonly string[]).includes(chosen) ? chosen : (request.assistance_status ?? ''), note: request.assistance_note ?? '' };
    renderPage(
      req,
      res,
      'request-assistance.njk',
      { title: t(req.locale, 'Did the assistance for "{{title}}" start?', { title: request.title }), request, options: assistanceOptions(req.locale), action: req.path, values, errors: extra.errors ?? {}, formError: extra.formError, saved: extra.saved },
      status,
    );
  };
  router.get('/requests/:id/assistance/:token', (req, res) => showAssistanceLink(req, res));
  router.post('/requests/:id/assistance/:token', async (req, res) => {
    const { id, token } = req.params as { id: string; token: string };
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        await recordAssistanceByLink(ctx, idParam(id, 'The request'), token, parseInput(assistanceBody, { status: str(values.status), note: str(values.note) }));
        await showAssistanceLink(req, res, { values, saved: true });
      },
      (status, errors, formError) => showAssistanceLink(req, res, { values, errors: errors.status ? { ...errors, status: t(req.locale, 'Choose one of the answers.') } : errors, formError }, status),
    );
  });

  // The secretariat's report: the summary matrix and the outcome funnel, with its CSV and its chart.
  router.get('/organizer/marketplaces/:slug/report', async (req, res) => {
    const slug = slugParam(req.params.slug);
    const report = await marketplaceReport(ctx, req.actor, slug);
    const funnel = await outcomeFunnel(ctx, req.actor, slug);
    renderPage(req, res, 'organizer/report.njk', { title: t(req.locale, 'Report: {{marketplace}}', { marketplace: report.marketplace.name }), report, funnel, chart: funnelChart(funnel, req.locale) });
  });
  router.get('/organizer/marketplaces/:slug/funnel.csv', async (req, res) => {
    const funnel = await outcomeFunnel(ctx, req.actor, slugParam(req.params.slug));
    res.type('text/csv').attachment(`${funnel.marketplace.slug}-outcomes.csv`).send(funnelToCsv(funnel, req.locale));
  });

  return router;
}
