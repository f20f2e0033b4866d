import { z } from 'zod';
import { textField } from '../shared/schema-fields.ts';
import { instant, listOf, organizationRef, uuid } from '../shared/answer-fields.ts';

export const questionBody = z.object({ text: textField(10, 2000) }).strict();
export const answerBody = z.object({ text: textField(2, 5000) }).strict();
export type QuestionInput = z.infer<typeof questionBody>;

const answerVersion = z.object({
  text: z.string(),
  answeredAt: instant,
  answeredBy: z.enum(['requester', 'secretariat']).meta({ description: 'Who wrote this version: the requesting organization or the forum secretariat' }),
});

export const questionAnswer = z
  .object({
    id: uuid,
    requestId: uuid,
    text: z.string(),
    askedAt: instant,
    askedByYourOrganization: z.boolean(),
    askedBy: organizationRef.optional().meta({ description: 'The asking organization: only for the forum secretariat, never published' }),
    answer: answerVersion.nullable().meta({ description: 'The current answer; null until the question is answered' }),
    earlierAnswers: z.array(answerVersion).meta({ description: 'Earlier versions of the answer, newest first: an edited answer keeps them visible' }),
  })
  .meta({ id: 'Question' });

export const questionListAnswer = listOf(questionAnswer).extend({
  questionDeadline: instant.meta({ description: 'Questions on this request are taken until then' }),
  questionsOpen: z.boolean().meta({ description: 'Whether the request takes questions now' }),
});

export type QuestionAnswer = z.input<typeof questionAnswer>;
