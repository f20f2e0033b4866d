import { operation, pathParams, recordId } from '../http/operation.ts';
import { answerBody, questionAnswer, questionBody, questionListAnswer } from './questions.schemas.ts';
import { answerQuestion, askQuestion, listQuestions, questionToJson } from './questions.service.ts';
import { isoInZone } from '../shared/time.ts';

const requestParams = pathParams({ id: recordId('The request') });
const questionParams = pathParams({ id: recordId('The question') });

/** Questions and answers on a request: the clarification period before its deadline. */
export const questionOperations = [
  operation({
    operationId: 'listQuestions',
    method: 'get',
    path: '/requests/{id}/questions',
    tag: 'Questions',
    summary: "A request's questions and their answers",
    description:
      'Answered questions are published to whoever sees the request, without naming who asked. A question not answered yet is listed only for the requesting organization, the secretariat and the organization that asked it. `askedBy` is given to the secretariat only.',
    allow: ['anyone'],
    params: requestParams,
    status: 200,
    answer: questionListAnswer,
    async handler(ctx, { actor, params }) {
      const { request, items, deadline, open } = await listQuestions(ctx, actor, params.id);
      return { items: items.map((q) => questionToJson(q, request.time_zone)), questionDeadline: isoInZone(deadline, request.time_zone), questionsOpen: open, nextCursor: null };
    },
  }),
  operation({
    operationId: 'askQuestion',
    method: 'post',
    path: '/requests/{id}/questions',
    tag: 'Questions',
    summary: 'Ask a question about an open request (409 after its question deadline)',
    description:
      "The requesting organization is emailed the question, not who asked. A question after the request's question deadline is refused with a 409 that gives the deadline in the marketplace's time and in yours.",
    allow: ['other-verified-member'],
    params: requestParams,
    body: questionBody,
    status: 201,
    answer: questionAnswer,
    async handler(ctx, { actor, params, body, res }) {
      const { request, question } = await askQuestion(ctx, actor, params.id, body.text);
      res.location(`/api/v1/requests/${request.id}/questions`);
      return questionToJson(question, request.time_zone);
    },
  }),
  operation({
    operationId: 'answerQuestion',
    method: 'post',
    path: '/questions/{id}/answer',
    tag: 'Questions',
    summary: 'Answer a question, or change the answer (the earlier versions stay visible)',
    description:
      'The requesting organization or the secretariat, while the request is open. The answer is published on the request at once; the providers who follow the request, responded to it or asked about it are emailed (those who chose the daily digest find it there).',
    allow: ['requester', 'organizer'],
    params: questionParams,
    body: answerBody,
    status: 200,
    answer: questionAnswer,
    async handler(ctx, { actor, params, body }) {
      const { request, question } = await answerQuestion(ctx, actor, params.id, body.text);
      return questionToJson(question, request.time_zone);
    },
  }),
];
