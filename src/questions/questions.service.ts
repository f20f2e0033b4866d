import type { AppContext } from '../context.ts';
import { requireActor, requireVerifiedMember, type Actor } from '../auth/actor.ts';
import { AppError, conflict, forbidden, notFound } from '../shared/errors.ts';
import { inTransaction } from '../shared/transaction.ts';
import { displayNow } from '../shared/clock.ts';
import { isoInZone } from '../shared/time.ts';
import { formatInZones } from '../i18n/names.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { getRequest } from '../requests/requests.service.ts';
import { lockRequest, type RequestRow } from '../requests/requests.repository.ts';
import { answersQuestions, asksQuestion, canSeeQuestion, mayAskQuestions, questionDeadlineOf, seesWhoAsked } from './questions.policy.ts';
import { findAnswerRecipients, findQuestion, findRequestAuthor, insertAnswer, insertQuestionBefore, listAnswerVersions, listQuestionsOfRequest } from './questions.repository.ts';
import { renderAnswerPublishedEmail, renderQuestionAskedEmail } from './questions.emails.ts';
import type { QuestionAnswer } from './questions.schemas.ts';

export interface AnswerVersion {
  text: string;
  answered_as: 'requester' | 'secretariat';
  created_at: Date;
}

/** A question as one person may see it: `askedBy` only for the secretariat. */
export interface QuestionView {
  id: string;
  request_id: string;
  text: string;
  created_at: Date;
  mine: boolean;
  askedBy: { id: string; name: string } | null;
  answer: AnswerVersion | null;
  earlier: AnswerVersion[];
}

export function questionsUrl(ctx: AppContext, requestId: string): string {
  return new URL(`/requests/${requestId}#questions`, ctx.config.BASE_URL).toString();
}

/** The refusal of a late question: when questions closed, in the marketplace's zone and in the asker's. */
export class QuestionsClosedError extends AppError {
  constructor(
    readonly deadline: Date,
    readonly timeZone: string,
    readerTimeZone: string | null,
  ) {
    super(409, 'questions-closed', 'Questions closed', `Questions on this request closed on ${formatInZones(deadline, timeZone, readerTimeZone, 'en')}.`);
  }
}

/** A request's questions that this person may read, with the question deadline. */
export async function listQuestions(ctx: AppContext, actor: Actor | null, requestOrId: string | RequestRow) {
  const request = typeof requestOrId === 'string' ? await getRequest(ctx, actor, requestOrId) : requestOrId;
  const rows = await listQuestionsOfRequest(ctx, request.id);
  const versions = await listAnswerVersions(
    ctx,
    rows.map((q) => q.id),
  );
  // Versions come newest first; grouped once, each question's keep that order.
  const versionsOf = new Map<string, typeof versions>();
  for (const v of versions) versionsOf.set(v.question_id, [...(versionsOf.get(v.question_id) ?? []), v]);
  const items: QuestionView[] = [];
  for (const q of rows) {
    const mine = versionsOf.get(q.id) ?? [];
    if (!canSeeQuestion(actor, request, { organization_id: q.organization_id, answered: mine.length > 0 })) continue;
    items.push({
      id: q.id,
      request_id: q.request_id,
      text: q.text,
      created_at: q.created_at,
      mine: asksQuestion(actor, q),
      askedBy: seesWhoAsked(actor) ? { id: q.organization_id, name: q.organization_name } : null,
      answer: mine[0] ?? null,
      earlier: mine.slice(1),
    });
  }
  const deadline = questionDeadlineOf(request);
  return { request, items, deadline, open: request.status === 'open' && displayNow() < deadline && displayNow() < request.response_deadline };
}

/** A provider asks; the requester's author is emailed, without being told who asked. */
export async function askQuestion(ctx: AppContext, actorOrNull: Actor | null, requestId: string, text: string) {
  const request = await getRequest(ctx, actorOrNull, requestId);
  const actor = requireVerifiedMember(actorOrNull, 'act');
  if (!mayAskQuestions(actor, request)) throw forbidden(`${request.organization_name} answers the questions on its own request; it does not ask them.`);
  const id = await inTransaction(ctx, async (tx) => {
    const locked = await lockRequest(tx, requestId);
    if (!locked) throw notFound('The request');
    const deadline = questionDeadlineOf(locked);
    const inserted = await insertQuestionBefore(tx, { requestId, organizationId: actor.organization.id, askedBy: actor.id, text, deadline });
    if (!inserted) {
      if (locked.status !== 'open') throw conflict('request-not-open', `This request is ${locked.status}; it does not take questions.`);
      throw new QuestionsClosedError(deadline, locked.time_zone, actor.timeZone);
    }
    // On the question, not the request: the request's history is the requester's to read, and who asked is not theirs to know.
    await recordAudit(tx, actor, { entity: 'question', entityId: inserted, action: 'create', detail: { request: requestId } });
    const author = await findRequestAuthor(tx, requestId);
    if (author) {
      const email = renderQuestionAskedEmail({ title: locked.title, question: text, questionDeadline: deadline, timeZone: locked.time_zone, url: questionsUrl(ctx, requestId) }, author.locale);
      await tx.queueEmail({ idempotencyKey: `question-asked:${inserted}`, template: 'question-asked', to: author.email, ...email });
    }
    return inserted;
  });
  return questionOf(ctx, actor, request, id);
}

/** The request a question is about, for the pages to come back to; an unknown question is not found. */
export async function requestIdOfQuestion(ctx: AppContext, questionId: string): Promise<string> {
  const row = await findQuestion(ctx, questionId);
  if (!row) throw notFound('The question');
  return row.request_id;
}

/** A question of a request the caller already read, as this person may see it (after asking or answering). */
async function questionOf(ctx: AppContext, actor: Actor | null, request: RequestRow, questionId: string): Promise<{ request: RequestRow; question: QuestionView }> {
  const { items } = await listQuestions(ctx, actor, request);
  const question = items.find((q) => q.id === questionId);
  if (!question) throw notFound('The question');
  return { request, question };
}

/**
 * The requester or the secretariat answers, or changes the answer (a new version; the earlier ones
 * stay readable). The answer is published at once; the providers concerned are emailed, or told in
 * their digest if they chose one.
 */
export async function answerQuestion(ctx: AppContext, actorOrNull: Actor | null, questionId: string, text: string) {
  const actor = requireActor(actorOrNull);
  const row = await findQuestion(ctx, questionId);
  if (!row) throw notFound('The question');
  const request = await getRequest(ctx, actor, row.request_id).catch(() => Promise.reject(notFound('The question')));
  if (!answersQuestions(actor, request)) {
    if (!canSeeQuestion(actor, request, { organization_id: row.organization_id, answered: !!row.answered })) throw notFound('The question');
    throw forbidden(`Only ${request.organization_name} and the forum secretariat answer questions on this request.`);
  }
  await inTransaction(ctx, async (tx) => {
    const locked = await lockRequest(tx, request.id);
    if (!locked || locked.status !== 'open') throw conflict('request-not-open', `This request is ${locked?.status ?? 'gone'}; its questions can no longer be answered.`);
    const [current] = await listAnswerVersions(tx, [questionId]);
    if (current?.text === text) return;
    const answer = await insertAnswer(tx, { questionId, text, answeredBy: actor.id, answeredAs: actor.isOrganizer ? 'secretariat' : 'requester' });
    await recordAudit(tx, actor, { entity: 'request', entityId: request.id, action: current ? 'answer-edit' : 'answer', detail: { question: questionId } });
    const recipients = await findAnswerRecipients(tx, request.id);
    await tx.queueEmails(
      recipients.map((person) => ({
        idempotencyKey: `question-answered:${answer.id}:${person.id}`,
        template: 'question-answered',
        to: person.email,
        ...renderAnswerPublishedEmail({ title: locked.title, question: row.text, answer: text, edited: !!current, url: questionsUrl(ctx, request.id) }, person.locale),
      })),
    );
  });
  return questionOf(ctx, actor, request, questionId);
}

export function questionToJson(q: QuestionView, timeZone: string): QuestionAnswer {
  const version = (v: AnswerVersion) => ({ text: v.text, answeredAt: isoInZone(v.created_at, timeZone), answeredBy: v.answered_as });
  return {
    id: q.id,
    requestId: q.request_id,
    text: q.text,
    askedAt: isoInZone(q.created_at, timeZone),
    askedByYourOrganization: q.mine,
    ...(q.askedBy ? { askedBy: q.askedBy } : {}),
    answer: q.answer ? version(q.answer) : null,
    earlierAnswers: q.earlier.map(version),
  };
}
