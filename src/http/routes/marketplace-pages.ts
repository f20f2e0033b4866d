import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireActor } from '../../auth/actor.ts';
import { setOrganizationBody, organizationKindLabels, organizationKinds } from '../../organizations/organizations.schemas.ts';
import { listJoinableOrganizations, rejectionReasonForMember, setMyOrganization } from '../../organizations/organizations.service.ts';
import { getPublicMarketplace, listMarketplaces } from '../../marketplaces/marketplaces.service.ts';
import { browseRequestsQuery, changeDeadlineBody, createRequestBody, requestCategories, requestCategoryLabels, rejectRequestBody, updateRequestBody } from '../../requests/requests.schemas.ts';
import { browseRequests, countRequests, listPublicThemes, changeRequestDeadline, previewEarlierDeadline, deadlineProblems, createRequest, getRequest, listRequestHistory, moderateRequest, requireOwnerOrOrganizer, updateRequest } from '../../requests/requests.service.ts';
import { visibleResponsesOf, requireVerifiedProvider, requestsAnsweredBy, jointStateOf, jointChoicesOf, setResponseJointWith } from '../../responses/responses.service.ts';
import { jointBody } from '../../responses/responses.schemas.ts';
import { isRequesterOf, responsesOpen } from '../../responses/responses.policy.ts';
import { canChangeDeadline, canEditRequest, canModerateRequest, canPostRequest, canPublishRequest, canWithdrawRequest, isUnreviewedPastDeadline, listableStatuses, seesRequestInternals } from '../../requests/requests.policy.ts';
import { getFollowing } from '../../interests/interests.service.ts';
import { canFollowRequest } from '../../interests/interests.policy.ts';
import { listMeetingsOfRequestFor } from '../../meetings/meetings.service.ts';
import { AppError } from '../../shared/errors.ts';
import { allCountries, commonLanguages } from '../../shared/reference-data.ts';
import { instantToLocal } from '../../shared/time.ts';
import { parseInput } from '../../shared/parse.ts';
import { fieldErrorsFromZod, invalid } from '../../shared/errors.ts';
import type { RequestRow } from '../../requests/requests.repository.ts';
import { bodyOf, countryCodeFromText, errorsByField, handleForm, languageCodeFromText, list, numberOrText, splitList, str, type FormValues } from '../forms.ts';
import { readerTimeZone, renderPage } from './render.ts';
import { getScheduleState } from '../../meetings/matching-schedule.ts';
import { displayNow } from '../../shared/clock.ts';
import { answerQuestion, askQuestion, listQuestions, QuestionsClosedError, requestIdOfQuestion } from '../../questions/questions.service.ts';
import { answersQuestions, mayAskQuestions } from '../../questions/questions.policy.ts';
import { answerBody, questionBody } from '../../questions/questions.schemas.ts';
import { formatInZones } from '../../i18n/names.ts';
import { idParam, slugParam } from './params.ts';
import { N_, t } from '../../i18n/i18n.ts';
import { languageNameIn } from '../../i18n/names.ts';
import { statusLabels } from '../views.ts';

function requestIdParam(req: Request): string {
  return idParam(req.params.id, 'The request');
}

const categoryOptions = (locale: string) => requestCategories.map((value) => ({ value, label: t(locale, requestCategoryLabels[value]) }));

/** The request form's fields as the API's body. */
function requestFormToInput(values: FormValues, mode: 'create' | 'update') {
  const date = str(values.responseDeadlineDate).trim();
  const time = str(values.responseDeadlineTime).trim() || '17:00';
  const questionDate = str(values.questionDeadlineDate).trim();
  return {
    title: str(values.title),
    category: str(values.category),
    themes: [...list(values.themes), ...splitList(values.otherThemes)],
    description: str(values.description),
    expectedOutcome: str(values.expectedOutcome),
    countries: splitList(values.countries).map(countryCodeFromText),
    languages: splitList(values.languages).map(languageCodeFromText),
    maxMatches: numberOrText(values.maxMatches) ?? (mode === 'create' ? 3 : ''),
    responseDeadline: date ? `${date}T${time}` : mode === 'create' ? undefined : null,
    // Left out when the form had no such field (an open tab from before it), so nothing changes.
    questionDeadline: values.questionDeadlineDate === undefined ? undefined : questionDate ? `${questionDate}T${str(values.questionDeadlineTime).trim() || '17:00'}` : mode === 'create' ? undefined : null,
  };
}

const requestFormAliases = { responseDeadline: 'responseDeadlineDate', questionDeadline: 'questionDeadlineDate' };

function requestToFormValues(r: RequestRow, sessionCodes: Set<string>): FormValues {
  const own = r.own_deadline ? instantToLocal(r.own_deadline, r.time_zone) : null;
  const questions = r.question_deadline ? instantToLocal(r.question_deadline, r.time_zone) : null;
  return {
    title: r.title,
    category: r.category,
    themes: r.themes.filter((t) => sessionCodes.has(t)),
    otherThemes: r.themes.filter((t) => !sessionCodes.has(t)).join(', '),
    description: r.description,
    expectedOutcome: r.expected_outcome,
    countries: r.countries.join(', '),
    languages: r.languages.join(', '),
    maxMatches: String(r.max_matches),
    responseDeadlineDate: own?.date ?? '',
    responseDeadlineTime: own?.time ?? '17:00',
    questionDeadlineDate: questions?.date ?? '',
    questionDeadlineTime: questions?.time ?? '17:00',
  };
}

export function marketplacePages(ctx: AppContext): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const marketplaces = await listMarketplaces(ctx);
    if (marketplaces.length === 1) return res.redirect(302, `/m/${marketplaces[0]!.slug}`);
    renderPage(req, res, 'home.njk', { title: t(req.locale, 'Marketplaces'), marketplaces });
  });

  // Account: create or join an organization
  const showOrganizationForm = async (req: Request, res: Response, values: FormValues, errors: Record<string, string> = {}, formError?: string, status = 200) => {
    renderPage(
      req,
      res,
      'account-organization.njk',
      {
        title: t(req.locale, 'Your organization'),
        values,
        errors,
        formError,
        organizations: await listJoinableOrganizations(ctx),
        rejectionReason: req.actor ? await rejectionReasonForMember(ctx, req.actor) : null,
        kinds: organizationKinds.map((value) => ({ value, label: t(req.locale, organizationKindLabels[value]) })),
        countries: allCountries(req.locale).map((c) => ({ value: c.code, label: c.name })),
      },
      status,
    );
  };
  router.get('/account/organization', async (req, res) => {
    const actor = requireActor(req.actor);
    const notices: Record<string, string> = {
      created: N_('Your organization is registered. It waits for verification by the forum secretariat; you will get an email.'),
      joined: N_('You asked to join this organization. The forum secretariat will approve it; you will get an email.'),
      saved: N_('Saved.'),
    };
    const notice = notices[str(req.query.notice)];
    res.locals.notice = notice ? t(req.locale, notice) : undefined;
    await showOrganizationForm(req, res, {
      name: actor.affiliation?.organization.name ?? '',
      kind: actor.affiliation?.organization.kind ?? '',
      country: actor.affiliation?.organization.country ?? '',
      personName: actor.name ?? '',
    });
  });
  router.post('/account/organization', async (req, res) => {
    requireActor(req.actor);
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const country = str(values.country).trim();
        const personName = str(values.personName).trim();
        const input = parseInput(setOrganizationBody, {
          name: str(values.name),
          kind: str(values.kind),
          ...(country ? { country } : {}),
          ...(personName ? { personName } : {}),
        });
        const result = await setMyOrganization(ctx, req.actor, input);
        const notice = result.created ? 'created' : result.membership === 'pending' ? 'joined' : 'saved';
        res.redirect(303, `/account/organization?notice=${notice}`);
      },
      (status, errors, formError) => showOrganizationForm(req, res, values, errors, formError, status),
    );
  });

  // Browse a marketplace
  router.get('/m/:slug', async (req, res) => {
    const { marketplace, sessions } = await getPublicMarketplace(ctx, slugParam(req.params.slug));
    // `lang` belongs to the language switch, not to the filters.
    const raw = Object.fromEntries(Object.entries(req.query).filter(([k, v]) => k !== 'lang' && typeof v === 'string' && v !== '')) as Record<string, string>;
    // After the deadline the open list is (nearly) empty: the page lists every status unless one is chosen.
    const closed = marketplace.response_deadline <= displayNow();
    if (closed && raw.status === undefined && !raw.mine) raw.status = 'any';
    const parsed = browseRequestsQuery.safeParse(raw);
    const errors = parsed.success ? {} : errorsByField(fieldErrorsFromZod(parsed.error), {}, req.locale);
    const query = parsed.success ? parsed.data : browseRequestsQuery.parse({});
    const page = await browseRequests(ctx, req.actor, marketplace.slug, query);
    // How many match on every page: what a focal point filtering by country wants to know first.
    const total = await countRequests(ctx, req.actor, marketplace.slug, query);
    const filtered = ['q', 'category', 'theme', 'country', 'language'].some((name) => raw[name] !== undefined);
    const themesInUse = await listPublicThemes(ctx, marketplace.id);
    const sessionCodes = new Set(sessions.map((s) => s.code));
    const nextUrl = page.nextCursor ? `/m/${marketplace.slug}?${new URLSearchParams({ ...raw, cursor: page.nextCursor }).toString()}` : null;
    // The status the list shows when none is chosen is the one the filter shows chosen: open, or every
    // status for a member's own requests (it showed "Any status" over a list of open requests).
    const shownQuery = { ...raw, status: raw.status ?? (query.mine ? 'any' : 'open') };
    const statuses = [
      { value: 'any', label: t(req.locale, 'Any status') },
      ...['open' as const, ...listableStatuses(req.actor, !!query.mine).filter((s) => s !== 'open')].map((s) => ({ value: s, label: t(req.locale, statusLabels[s] ?? s) })),
    ];
    const schedule = closed ? await getScheduleState(ctx, marketplace.id) : null;
    const answered = await requestsAnsweredBy(ctx, req.actor, page.items.map((r) => r.id));
    renderPage(req, res, 'marketplace.njk', {
      title: marketplace.name,
      marketplace,
      items: page.items,
      total,
      filtered,
      nextUrl,
      query: shownQuery,
      errors,
      canPost: canPostRequest(req.actor),
      categories: categoryOptions(req.locale),
      themes: [
        ...sessions.map((s) => ({ value: s.code, label: `${s.code}: ${s.title}` })),
        ...themesInUse.filter((t) => !sessionCodes.has(t)).map((t) => ({ value: t, label: t })),
      ],
      countries: allCountries(req.locale).map((c) => ({ value: c.code, label: c.name })),
      languages: commonLanguages.map((code) => ({ value: code, label: languageNameIn(code, req.locale) })),
      statuses,
      closed,
      answered,
      schedule,
    });
  });

  /** Every mistake in one round: when the form has others, the deadline's rule is told beside them, not after they are fixed. */
  const withDeadlineProblems = async <T>(slug: string, deadline: unknown, parse: () => T): Promise<T> => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof AppError) || !error.errors) throw error;
      const more = error.errors.some((e) => e.path === 'responseDeadline') ? [] : await deadlineProblems(ctx, slug, deadline);
      throw more.length ? invalid([...error.errors, ...more]) : error;
    }
  };

  // Post a request
  const showRequestForm = async (
    req: Request,
    res: Response,
    options: { slug: string; mode: 'create' | 'update'; requestId?: string; values: FormValues; errors?: Record<string, string>; formError?: string; status?: number },
  ) => {
    const { marketplace, sessions } = await getPublicMarketplace(ctx, options.slug);
    renderPage(
      req,
      res,
      'request-form.njk',
      {
        // Said before anyone fills the form in: a new request is refused after the deadline.
        closedForNew: options.mode === 'create' && marketplace.response_deadline <= displayNow(),
        title: options.mode === 'create' ? t(req.locale, 'Post a request for assistance') : t(req.locale, 'Edit your request'),
        submitLabel: options.mode === 'create' ? t(req.locale, 'Submit the request') : t(req.locale, 'Save changes'),
        action: options.mode === 'create' ? `/m/${marketplace.slug}/requests/new` : `/requests/${options.requestId}/edit`,
        backUrl: options.mode === 'create' ? `/m/${marketplace.slug}` : `/requests/${options.requestId}`,
        marketplace,
        themeOptions: sessions.map((s) => ({ value: s.code, label: `${s.code}: ${s.title}` })),
        categories: categoryOptions(req.locale),
        values: options.values,
        errors: options.errors ?? {},
        formError: options.formError,
      },
      options.status ?? 200,
    );
  };

  router.get('/m/:slug/requests/new', async (req, res) => {
    requireActor(req.actor);
    await showRequestForm(req, res, { slug: slugParam(req.params.slug), mode: 'create', values: { maxMatches: '3', responseDeadlineTime: '17:00', themes: [] } });
  });
  router.post('/m/:slug/requests/new', async (req, res) => {
    requireActor(req.actor);
    const slug = slugParam(req.params.slug);
    const values = bodyOf(req);
    values.themes = list(values.themes);
    await handleForm(
      res,
      async () => {
        const raw = requestFormToInput(values, 'create');
        const input = await withDeadlineProblems(slug, raw.responseDeadline, () => parseInput(createRequestBody, raw));
        const request = await createRequest(ctx, req.actor, slug, input);
        res.redirect(303, `/requests/${request.id}?notice=submitted`);
      },
      (status, errors, formError) => showRequestForm(req, res, { slug, mode: 'create', values, errors, formError, status }),
      requestFormAliases,
    );
  });

  // A request's page
  const notices: Record<string, string> = {
    submitted: N_('Your request was submitted. It awaits moderation by the forum secretariat; you will get an email when it is published.'),
    saved: N_('Your changes are saved.'),
    'saved-deadline-moved': N_('Your changes are saved. They change what is asked close to the deadline, so the deadline moved to give providers time; everyone concerned is emailed.'),
    published: N_('The request is published.'),
    rejected: N_('The request was rejected and the requester told why.'),
    withdrawn: N_('The request is withdrawn.'),
    responded: N_('Your response is submitted. The requester can see it; you can edit or withdraw it until the deadline.'),
    'draft-saved': N_('Your draft is saved. The requester cannot see it until you submit it.'),
    'response-saved': N_('Your response is saved.'),
    'response-withdrawn': N_('Your response is withdrawn.'),
    following: N_('You follow this request: you will get reminders before its deadline.'),
    unfollowed: N_('You no longer follow this request.'),
    'deadline-changed': N_('The deadline is changed; the people concerned are emailed.'),
    'joint-saved': N_('Saved: whom your response presents jointly with.'),
    asked: N_('Your question is sent. Its answer will be published here for every provider; your organization is not named.'),
    answered: N_('The answer is published; the providers concerned are emailed.'),
    marked: N_('Your mark is saved. The matching run takes it into account.'),
    'marked-after-run': N_('Your mark is saved. The side meetings already scheduled stay as they are; it counts in the runs to come (after a decline, or one the secretariat starts).'),
    'not-editable': N_('This can no longer be changed: the response deadline passed, or the matching has decided it.'),
  };
  const showRequest = async (req: Request, res: Response, request: RequestRow, extra: Record<string, unknown> = {}, status = 200) => {
    const actor = req.actor;
    const insider = seesRequestInternals(actor, request);
    // Independent reads, side by side (each on its own pool connection).
    const [visible, following, meetings, history, questions, schedule] = await Promise.all([
      actor ? visibleResponsesOf(ctx, actor, request) : { items: [], sealedUntilClose: false },
      getFollowing(ctx, actor, request.id),
      listMeetingsOfRequestFor(ctx, actor, request),
      listRequestHistory(ctx, actor, request),
      listQuestions(ctx, actor, request),
      request.status === 'closed' ? getScheduleState(ctx, request.marketplace_id) : null,
    ]);
    const isRequester = isRequesterOf(actor, request);
    // Our own response: whom it presents jointly with (the two meet the requester together once both name each other).
    const own = actor?.organization ? visible.items.find((r) => r.organization_id === actor.organization!.id && r.status !== 'withdrawn') : undefined;
    // Whom it names is shown here; the list to choose from is on a page of its own (/responses/:id/joint).
    const joint = own ? { responseId: own.id, changeable: responsesOpen(request), ...(await jointStateOf(ctx, own.id)) } : null;
    let respondRefusal: string | null = null;
    let canRespond = false;
    if (request.status === 'open' && !isRequester && !actor?.isOrganizer) {
      try {
        requireVerifiedProvider(actor, request);
        canRespond = !visible.items.some((r) => r.organization_id === actor?.organization?.id);
      } catch (error) {
        respondRefusal = actor ? (error as AppError).detail ?? null : t(req.locale, 'Sign in to respond to this request.');
      }
    }
    renderPage(
      req,
      res,
      'request.njk',
      {
        title: request.title,
        request,
        insider,
        isRequester,
        responses: visible.items,
        sealedUntilClose: visible.sealedUntilClose,
        canRespond,
        respondRefusal,
        following,
        canFollow: canFollowRequest(actor ?? null, request),
        meetings,
        joint,
        canChangeDeadline: canChangeDeadline(actor, request),
        canEdit: canEditRequest(actor, request),
        canWithdraw: canWithdrawRequest(actor, request),
        canPublish: canPublishRequest(actor, request),
        canModerate: canModerateRequest(actor, request),
        unreviewedPastDeadline: insider && isUnreviewedPastDeadline(request),
        history,
        questions: questions.items,
        // A closed request waits for the matching (at the end of the review window), then for the secretariat's publication of a draft.
        schedule,
        questionDeadline: questions.deadline,
        questionsOpen: questions.open,
        canAsk: questions.open && mayAskQuestions(actor, request),
        canAnswer: request.status === 'open' && answersQuestions(actor, request),
        notice: notices[str(req.query.notice)] ? t(req.locale, notices[str(req.query.notice)]!) : undefined,
        ...extra,
        // The answer forms start from the current answers; what was just posted wins.
        values: { ...Object.fromEntries(questions.items.flatMap((q) => (q.answer ? [[`answer-${q.id}`, q.answer.text]] : []))), ...((extra.values as FormValues | undefined) ?? {}) },
      },
      status,
    );
  };

  router.get('/requests/:id', async (req, res) => {
    const request = await getRequest(ctx, req.actor, requestIdParam(req));
    await showRequest(req, res, request);
  });

  router.get('/requests/:id/edit', async (req, res) => {
    requireActor(req.actor);
    const request = await getRequest(ctx, req.actor, requestIdParam(req));
    requireOwnerOrOrganizer(req.actor, request, 'edit');
    // No form that cannot be saved (a bookmark after the deadline): the request's page, which says why.
    if (!canEditRequest(req.actor, request)) return res.redirect(303, `/requests/${request.id}?notice=not-editable`);
    const { sessions } = await getPublicMarketplace(ctx, request.marketplace_slug);
    await showRequestForm(req, res, { slug: request.marketplace_slug, mode: 'update', requestId: request.id, values: requestToFormValues(request, new Set(sessions.map((s) => s.code))) });
  });
  router.post('/requests/:id/edit', async (req, res) => {
    requireActor(req.actor);
    const request = await getRequest(ctx, req.actor, requestIdParam(req));
    requireOwnerOrOrganizer(req.actor, request, 'edit');
    const values = bodyOf(req);
    values.themes = list(values.themes);
    await handleForm(
      res,
      async () => {
        const raw = requestFormToInput(values, 'update');
        const input = await withDeadlineProblems(request.marketplace_slug, raw.responseDeadline, () => parseInput(updateRequestBody, raw));
        const updated = await updateRequest(ctx, req.actor, request.id, input);
        // A late change of what is asked moved the deadline: say so, with the new one.
        const moved = input.responseDeadline === undefined && updated.response_deadline > request.response_deadline;
        res.redirect(303, `/requests/${request.id}?notice=${moved ? 'saved-deadline-moved' : 'saved'}`);
      },
      (status, errors, formError) => showRequestForm(req, res, { slug: request.marketplace_slug, mode: 'update', requestId: request.id, values, errors, formError, status }),
      requestFormAliases,
    );
  });

  router.post('/requests/:id/deadline', async (req, res) => {
    requireActor(req.actor);
    const id = requestIdParam(req);
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const date = str(values.deadlineDate).trim();
        const { responseDeadline, reason } = parseInput(changeDeadlineBody, { responseDeadline: date ? `${date}T${str(values.deadlineTime) || '17:00'}` : '', reason: str(values.deadlineReason) });
        // An earlier deadline takes time from providers: the page says whom it affects and asks once more.
        if (str(values.confirmEarlier) !== 'yes') {
          const earlier = await previewEarlierDeadline(ctx, req.actor, id, responseDeadline);
          if (earlier) {
            const request = await getRequest(ctx, req.actor, id);
            return showRequest(req, res, request, { values, earlierDeadline: earlier });
          }
        }
        await changeRequestDeadline(ctx, req.actor, id, responseDeadline, reason || undefined);
        res.redirect(303, `/requests/${id}?notice=deadline-changed`);
      },
      async (status, errors, formError) => {
        const request = await getRequest(ctx, req.actor, id);
        await showRequest(req, res, request, { values, errors, formError }, status);
      },
      { responseDeadline: 'deadlineDate', reason: 'deadlineReason' },
    );
  });

  // Questions and answers, on the request's page
  router.post('/requests/:id/questions', async (req, res) => {
    requireActor(req.actor);
    const id = requestIdParam(req);
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const { text } = parseInput(questionBody, { text: str(values.question) });
        try {
          await askQuestion(ctx, req.actor, id, text);
        } catch (error) {
          if (error instanceof QuestionsClosedError) {
            const deadline = formatInZones(error.deadline, error.timeZone, readerTimeZone(req), req.locale);
            throw new AppError(409, error.type, error.title, t(req.locale, 'Questions on this request closed on {{deadline}}. Your question was not sent.', { deadline }));
          }
          throw error;
        }
        res.redirect(303, `/requests/${id}?notice=asked#questions`);
      },
      async (status, errors, formError) => showRequest(req, res, await getRequest(ctx, req.actor, id), { values, errors, formError }, status),
      { text: 'question' },
    );
  });

  // Whom our response presents jointly with: its own page, with every organization it may name.
  const showJoint = async (req: Request, res: Response, responseId: string, form: { values?: FormValues; errors?: Record<string, string>; formError?: string | undefined } = {}, status = 200) => {
    const choices = await jointChoicesOf(ctx, req.actor, responseId);
    renderPage(
      req,
      res,
      'response-joint.njk',
      {
        title: t(req.locale, 'Presenting jointly: {{title}}', { title: choices.request.title }),
        request: choices.request,
        responseId,
        jointWith: choices.jointWith,
        mutual: choices.mutual,
        changeable: responsesOpen(choices.request),
        organizations: choices.organizations.map((o) => ({ value: o.id, label: o.name })),
        values: form.values ?? { organizationId: choices.jointWith?.id ?? '' },
        errors: form.errors ?? {},
        formError: form.formError,
      },
      status,
    );
  };
  router.get('/responses/:id/joint', async (req, res) => {
    requireActor(req.actor);
    await showJoint(req, res, idParam(req.params.id, 'The response'));
  });
  router.post('/responses/:id/joint', async (req, res) => {
    requireActor(req.actor);
    const responseId = idParam(req.params.id, 'The response');
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const raw = str(values.organizationId);
        const { organizationId } = parseInput(jointBody, { organizationId: raw === '' ? null : raw });
        const { requestId } = await setResponseJointWith(ctx, req.actor, responseId, organizationId);
        res.redirect(303, `/requests/${requestId}?notice=joint-saved#joint`);
      },
      (status, errors, formError) => showJoint(req, res, responseId, { values, errors, formError }, status),
    );
  });

  router.post('/questions/:id/answer', async (req, res) => {
    requireActor(req.actor);
    const questionId = idParam(req.params.id, 'The question');
    const requestId = await requestIdOfQuestion(ctx, questionId);
    const field = `answer-${questionId}`;
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const { text } = parseInput(answerBody, { text: str(values[field]) });
        await answerQuestion(ctx, req.actor, questionId, text);
        res.redirect(303, `/requests/${requestId}?notice=answered#question-${questionId}`);
      },
      async (status, errors, formError) => showRequest(req, res, await getRequest(ctx, req.actor, requestId), { values, errors, formError, openAnswer: questionId }, status),
      { text: field },
    );
  });

  for (const action of ['publish', 'withdraw', 'reject'] as const) {
    router.post(`/requests/:id/${action}`, async (req, res) => {
      requireActor(req.actor);
      const id = requestIdParam(req);
      const values = bodyOf(req);
      await handleForm(
        res,
        async () => {
          const reason = action === 'reject' ? parseInput(rejectRequestBody, { reason: str(values.reason) }).reason : undefined;
          await moderateRequest(ctx, req.actor, id, action, reason);
          res.redirect(303, `/requests/${id}?notice=${action === 'publish' ? 'published' : action === 'reject' ? 'rejected' : 'withdrawn'}`);
        },
        async (status, errors, formError) => {
          const request = await getRequest(ctx, req.actor, id);
          await showRequest(req, res, request, { values, errors, formError }, status);
        },
      );
    });
  }

  return router;
}
