import { getReceipt, verifyReceipt } from '../../responses/receipts.service.ts';
import { receiptSchema } from '../../responses/receipts.ts';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { canSeeRequest } from '../../requests/requests.policy.ts';
import { requireActor } from '../../auth/actor.ts';
import { AppError } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import { createResponseBody, fundingLabels, fundings, modalities, modalityLabels, updateResponseBody } from '../../responses/responses.schemas.ts';
import { changeResponse, createResponse, findOwnResponse, getResponse, listOwnResponses, requireVerifiedProvider } from '../../responses/responses.service.ts';
import { canChangeResponse, canEditResponse } from '../../responses/responses.policy.ts';
import type { ResponseRow } from '../../responses/responses.repository.ts';
import { requestCategories, requestCategoryLabels } from '../../requests/requests.schemas.ts';
import { getRequest } from '../../requests/requests.service.ts';
import type { RequestRow } from '../../requests/requests.repository.ts';
import { setFollowing } from '../../interests/interests.service.ts';
import { bodyOf, handleForm, languageCodeFromText, list, splitList, str, type FormValues } from '../forms.ts';
import { readerTimeZone, renderPage } from './render.ts';
import { idParam } from './params.ts';
import { t, translateKnown } from '../../i18n/i18n.ts';
import { formatInZones, languageNameIn } from '../../i18n/names.ts';

function pathId(req: Request, what: string): string {
  return idParam(req.params.id, what);
}

function responseFormToInput(values: FormValues) {
  return {
    summary: str(values.summary),
    details: str(values.details),
    offerCategories: list(values.offerCategories),
    modality: str(values.modality),
    languages: splitList(values.languages).map(languageCodeFromText),
    funding: str(values.funding),
  };
}

/** A stored response as its form shows it: languages by name in the reader's language (the form reads names or codes back). */
function responseToFormValues(r: ResponseRow, locale: string): FormValues {
  return { summary: r.summary, details: r.details, offerCategories: r.offer_categories, modality: r.modality, languages: r.languages.map((code) => languageNameIn(code, locale)).join(', '), funding: r.funding };
}

/** A refusal for lateness, told in the marketplace's and the reader's time; other errors pass through. */
function withLateMessage(req: Request, request: RequestRow, error: unknown): unknown {
  return error instanceof AppError && error.type === 'deadline-passed' ? new AppError(409, error.type, error.title, lateMessage(req, request)) : error;
}

/** "The deadline was ... (marketplace time); ... your time": what a late provider reads. */
function lateMessage(req: Request, request: RequestRow): string {
  const deadline = formatInZones(request.response_deadline, request.time_zone, readerTimeZone(req), req.locale);
  return t(req.locale, 'The response deadline has passed. It was {{deadline}}. Your response was not saved.', { deadline });
}

export function responsePages(ctx: AppContext): Router {
  const router = Router();

  const showForm = (
    req: Request,
    res: Response,
    request: RequestRow,
    options: { mode: 'create' | 'update'; responseId?: string; values: FormValues; errors?: Record<string, string>; formError?: string | undefined; status?: number; allowDraft: boolean },
  ) =>
    renderPage(
      req,
      res,
      'response-form.njk',
      {
        title: options.mode === 'create' ? t(req.locale, 'Respond to a request') : t(req.locale, 'Edit your response'),
        submitLabel: options.mode === 'create' ? t(req.locale, 'Submit the response') : t(req.locale, 'Save and submit'),
        action: options.mode === 'create' ? `/requests/${request.id}/respond` : `/responses/${options.responseId}/edit`,
        request,
        requestLanguages: request.languages.map((code) => languageNameIn(code, req.locale)).join(', '),
        values: options.values,
        errors: options.errors ?? {},
        formError: options.formError,
        allowDraft: options.allowDraft,
        categories: requestCategories.map((value) => ({ value, label: t(req.locale, requestCategoryLabels[value]) })),
        modalities: modalities.map((value) => ({ value, label: t(req.locale, modalityLabels[value]) })),
        fundings: fundings.map((value) => ({ value, label: t(req.locale, fundingLabels[value]) })),
      },
      options.status ?? 200,
    );

  router.get('/requests/:id/respond', async (req, res) => {
    requireActor(req.actor);
    const request = await getRequest(ctx, req.actor, pathId(req, 'The request'));
    const actor = requireVerifiedProvider(req.actor, request);
    const existing = await findOwnResponse(ctx, actor, request.id);
    if (existing) return res.redirect(303, `/responses/${existing.id}/edit`);
    // The languages are the provider's to say: the request's are shown beside the field, not filled in.
    showForm(req, res, request, { mode: 'create', values: { offerCategories: [request.category] }, allowDraft: true });
  });

  router.post('/requests/:id/respond', async (req, res) => {
    requireActor(req.actor);
    const request = await getRequest(ctx, req.actor, pathId(req, 'The request'));
    requireVerifiedProvider(req.actor, request);
    const values = bodyOf(req);
    values.offerCategories = list(values.offerCategories);
    await handleForm(
      res,
      async () => {
        try {
          const input = parseInput(createResponseBody, { ...responseFormToInput(values), draft: str(values.intent) === 'draft' });
          await createResponse(ctx, req.actor, request.id, input);
          res.redirect(303, `/requests/${request.id}?notice=${input.draft ? 'draft-saved' : 'responded'}#response`);
        } catch (error) {
          const late = withLateMessage(req, request, error);
          if (late !== error) throw late;
          const existingId = (error as { existingId?: string }).existingId;
          if (error instanceof AppError && existingId) {
            throw new AppError(409, error.type, error.title, `${translateKnown(req.locale, error.detail ?? '')} ${t(req.locale, "Open it from the request's page.")}`);
          }
          throw error;
        }
      },
      (status, errors, formError) => showForm(req, res, request, { mode: 'create', values, errors, formError, status, allowDraft: true }),
    );
  });

  router.get('/responses/:id/receipt.json', async (req, res) => {
    const receipt = await getReceipt(ctx, req.actor, idParam(req.params.id, 'The response'));
    res.type('application/json').attachment(`receipt-${receipt.receipt.response.slice(0, 8)}.json`).send(`${JSON.stringify(receipt, null, 2)}\n`);
  });

  // Anyone checks a receipt: paste it, and the page says whether the marketplace signed it as it is.
  const showVerify = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(req, res, 'receipt-verify.njk', { title: t(req.locale, 'Check a receipt'), values: {}, ...extra }, status);
  router.get('/receipts/verify', (req, res) => showVerify(req, res));
  router.post('/receipts/verify', async (req, res) => {
    const values = bodyOf(req);
    const text = str(values.receipt);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return showVerify(req, res, { values, errors: { receipt: t(req.locale, 'is not the text of a receipt (JSON): paste the whole file') } }, 422);
    }
    const checked = receiptSchema.safeParse(parsed);
    if (!checked.success) return showVerify(req, res, { values, errors: { receipt: t(req.locale, 'is not a receipt: {{problem}}', { problem: `${checked.error.issues[0]!.path.join('.')}: ${checked.error.issues[0]!.message}` }) } }, 422);
    const result = await verifyReceipt(ctx, checked.data);
    showVerify(req, res, { values, result, receipt: checked.data.receipt });
  });

  router.get('/responses/:id/edit', async (req, res) => {
    requireActor(req.actor);
    const response = await getResponse(ctx, req.actor, pathId(req, 'The response'));
    const request = await getRequest(ctx, req.actor, response.request_id);
    // No form that cannot be saved (matched, or the deadline passed): the request's page, which says why. Someone else's
    // response is refused as before, by the service that saves it.
    if (canChangeResponse(req.actor, response) && !canEditResponse(req.actor, response, request)) return res.redirect(303, `/requests/${request.id}?notice=not-editable#response`);
    showForm(req, res, request, { mode: 'update', responseId: response.id, values: responseToFormValues(response, req.locale), allowDraft: response.status === 'draft' });
  });

  router.post('/responses/:id/edit', async (req, res) => {
    requireActor(req.actor);
    const response = await getResponse(ctx, req.actor, pathId(req, 'The response'));
    const request = await getRequest(ctx, req.actor, response.request_id);
    const values = bodyOf(req);
    values.offerCategories = list(values.offerCategories);
    await handleForm(
      res,
      async () => {
        try {
          const input = parseInput(updateResponseBody, responseFormToInput(values));
          await changeResponse(ctx, req.actor, response.id, 'edit', input);
          if (response.status === 'draft' && str(values.intent) !== 'draft') await changeResponse(ctx, req.actor, response.id, 'submit');
          res.redirect(303, `/requests/${request.id}?notice=${str(values.intent) === 'draft' ? 'draft-saved' : 'response-saved'}#response`);
        } catch (error) {
          throw withLateMessage(req, request, error);
        }
      },
      (status, errors, formError) => showForm(req, res, request, { mode: 'update', responseId: response.id, values, errors, formError, status, allowDraft: response.status === 'draft' }),
    );
  });

  for (const action of ['withdraw', 'submit'] as const) {
    router.post(`/responses/:id/${action}`, async (req, res) => {
      requireActor(req.actor);
      const response = await getResponse(ctx, req.actor, pathId(req, 'The response'));
      const request = await getRequest(ctx, req.actor, response.request_id);
      try {
        await changeResponse(ctx, req.actor, response.id, action);
      } catch (error) {
        throw withLateMessage(req, request, error);
      }
      res.redirect(303, `/requests/${request.id}?notice=${action === 'withdraw' ? 'response-withdrawn' : 'responded'}#response`);
    });
  }

  for (const follow of [true, false]) {
    router.post(`/requests/:id/${follow ? 'follow' : 'unfollow'}`, async (req, res) => {
      const id = pathId(req, 'The request');
      await setFollowing(ctx, req.actor, id, follow);
      res.redirect(303, `/requests/${id}?notice=${follow ? 'following' : 'unfollowed'}#response`);
    });
  }

  router.get('/account/responses', async (req, res) => {
    const actor = requireActor(req.actor);
    // A request withdrawn or taken off the marketplace is no longer theirs to open: named, not linked (its link was a 404).
    const responses = (await listOwnResponses(ctx, actor)).map((r) => ({ ...r, requestVisible: canSeeRequest(actor, { status: r.request_status, organization_id: r.request_organization_id }) }));
    renderPage(req, res, 'my-responses.njk', { title: t(req.locale, 'Our responses'), responses });
  });

  return router;
}
