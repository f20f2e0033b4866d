import { daysEarlierInZone } from '../shared/time.ts';
import type { RequestStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { canSeeRequest } from '../requests/requests.policy.ts';
import { isRequesterOf } from '../responses/responses.policy.ts';

/**
 * Questions and answers on a request, the clarification period of a call for proposals: a provider
 * asks until the request's question deadline, the requester or the secretariat answers, and the
 * answer is published to everyone who can see the request. Who asked is never told to anyone but
 * the asking organization itself and the secretariat, so a sealed request stays sealed: the
 * requester cannot learn from a question who is preparing a response.
 */
export interface RequestForQuestions {
  organization_id: string;
  status: RequestStatus;
}

export interface QuestionForPolicy {
  organization_id: string;
  answered: boolean;
}

/** The question deadline when a request sets none: `days` calendar days before the response deadline, in the marketplace's zone. */
export function defaultQuestionDeadline(responseDeadline: Date, days: number, timeZone: string): Date {
  return daysEarlierInZone(responseDeadline, days, timeZone);
}

/** When questions on a request close: its own deadline if it set an earlier one, else the marketplace's default. */
export function questionDeadlineOf(request: { response_deadline: Date; question_deadline: Date | null; question_days: number; time_zone: string }): Date {
  const fallback = defaultQuestionDeadline(request.response_deadline, request.question_days, request.time_zone);
  return request.question_deadline && request.question_deadline < fallback ? request.question_deadline : fallback;
}

/** Who asks: a member of a verified organization other than the requester's (the same people who may respond). */
export function mayAskQuestions(actor: Actor | null, request: RequestForQuestions): boolean {
  return !!actor?.organization && actor.organization.id !== request.organization_id;
}

/** Who answers and edits answers: the requesting organization and the secretariat. */
export function answersQuestions(actor: Actor | null, request: RequestForQuestions): boolean {
  return !!actor && (actor.isOrganizer || isRequesterOf(actor, request));
}

/**
 * An answered question is published: whoever sees the request reads it. One not answered yet is read
 * by those who answer it and by the organization that asked it, nobody else.
 */
export function canSeeQuestion(actor: Actor | null, request: RequestForQuestions, question: QuestionForPolicy): boolean {
  if (!canSeeRequest(actor, request)) return false;
  if (question.answered) return true;
  return answersQuestions(actor, request) || asksQuestion(actor, question);
}

/** The organization that asked: told that the question is its own. */
export function asksQuestion(actor: Actor | null, question: { organization_id: string }): boolean {
  return !!actor?.organization && actor.organization.id === question.organization_id;
}

/** Who is told which organization asked: the secretariat only. */
export function seesWhoAsked(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}
