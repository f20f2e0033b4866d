import type { AppContext } from '../context.ts';
import { cacheChanged } from '../shared/process-cache.ts';
import { seedBrussels2007 } from '../../db/seed.ts';
import { loadActor } from '../auth/auth.service.ts';
import { createResponse, setResponseJointWith } from '../responses/responses.service.ts';
import { planRequestDeadline } from '../requests/deadline-jobs.ts';
import { planMatchingRun } from '../meetings/matching-schedule.ts';
import { AppError } from '../shared/errors.ts';
import type { RequestCategory } from '../../db/types.ts';
import { answerQuestion, askQuestion } from '../questions/questions.service.ts';
import { moveForumAhead, listAgendaRoleHolders, listRequestDeadlines, listRequestsToAnswer, openMarketplaceUntil } from './demo.repository.ts';

const RELATED: Record<RequestCategory, RequestCategory[]> = {
  training: ['training', 'capacity_building'],
  advice: ['advice'],
  capacity_building: ['capacity_building', 'training'],
  equipment: ['equipment'],
  project_development: ['project_development', 'capacity_building'],
  other: ['other', 'advice'],
};

const DEMO_QUESTIONS = [
  {
    question: 'Does the ministry cover the participants\' travel, or should the provider budget for it too?',
    answer: 'The ministry covers its own officials\' travel and venue. We ask providers to cover their experts\' time and travel; we can discuss sharing the cost of materials at the forum.',
  },
  { question: 'Could part of the work start online before the forum, so that the side meeting can agree on the next steps?', answer: '' },
];

/**
 * The 2007 Brussels marketplace on a compressed timeline: the note's data (db/seed.ts), a response
 * deadline `deadlineInSeconds` from now, and responses from the organizations that the note says
 * contribute to each request's sessions, written through the same service as a provider's form.
 * Closing, matching, scheduling and emails are left to the real worker.
 */
export async function prepareDemo(ctx: AppContext, deadlineInSeconds: number) {
  const seeded = await seedBrussels2007(ctx);
  const marketplaceId = seeded.marketplaceId;
  const deadline = await openMarketplaceUntil(ctx, marketplaceId, deadlineInSeconds);
  // The forum comes after the deadline, as in the note: three weeks or more ahead, on the same weekdays,
  // and at least a week after a deadline set further out (DEMO_DEADLINE_SECONDS of a month put the forum before it).
  const forum = await moveForumAhead(ctx, marketplaceId, Math.max(21, Math.ceil(deadlineInSeconds / 86_400) + 7));

  const requests = await listRequestsToAnswer(ctx, marketplaceId);
  const roles = await listAgendaRoleHolders(ctx, marketplaceId);

  let responses = 0;
  let questions = 0;
  for (const request of requests) {
    const helpers = new Map<string, (typeof roles)[number]>();
    for (const role of roles) if (request.themes.includes(role.code) && role.organization_id !== request.organization_id && !helpers.has(role.organization_id)) helpers.set(role.organization_id, role);
    // Two questions before the deadline: the first answered by the requester, the second waiting for its answer.
    const asker = [...helpers.values()][0];
    if (asker && questions < 2) {
      const actor = await loadActor(ctx, asker.user_id);
      const requester = await loadActor(ctx, request.created_by);
      if (actor && requester) {
        const asked = await askQuestion(ctx, actor, request.id, DEMO_QUESTIONS[questions]!.question);
        if (questions === 0) await answerQuestion(ctx, requester, asked.question.id, DEMO_QUESTIONS[0]!.answer);
        questions++;
      }
    }
    const answered: Array<{ helper: (typeof roles)[number]; actor: NonNullable<Awaited<ReturnType<typeof loadActor>>>; responseId: string }> = [];
    for (const helper of [...helpers.values()].slice(0, 4)) {
      const actor = await loadActor(ctx, helper.user_id);
      if (!actor) continue;
      try {
        const created = await createResponse(ctx, actor, request.id, {
          // The heading shows the organization's name before the summary: the summary does not repeat it.
          summary: `${helper.role.charAt(0).toUpperCase()}${helper.role.slice(1).replace('_', '-')} of session ${helper.code}, offering its experience`,
          details: `${helper.note ?? `${helper.name} holds a role in session ${helper.code} (${helper.session_title}).`} We can meet at the forum to discuss "${request.title}" and agree on next steps.`,
          offerCategories: RELATED[request.category],
          modality: 'in_person',
          languages: request.languages.filter((l) => ['en', 'fr', 'es'].includes(l)).length ? request.languages.filter((l) => ['en', 'fr', 'es'].includes(l)) : ['en'],
          funding: helper.kind === 'un_agency' ? 'provider_covers' : 'shared',
          draft: false,
        });
        answered.push({ helper, actor, responseId: created.id });
        responses++;
      } catch (error) {
        // Already responded (the demo ran before on this database): keep going.
        if (!(error instanceof AppError && error.status === 409)) throw error;
      }
    }
    // As in the note, UNDP and UNICEF present jointly: a helper whose role note offers a joint
    // presentation with another helper (named by its acronym) names it on its response.
    for (const one of answered) {
      if (!one.helper.note?.includes('joint presentation')) continue;
      const partner = answered.find((other) => other !== one && one.helper.note!.includes(/\(([^)]+)\)$/.exec(other.helper.name)?.[1] ?? '\u0000'));
      if (partner) await setResponseJointWith(ctx, one.actor, one.responseId, partner.helper.organization_id);
    }
  }

  for (const request of await listRequestDeadlines(ctx, marketplaceId)) {
    await planRequestDeadline(ctx, request);
  }
  cacheChanged(ctx, 'listing');
  await planMatchingRun(ctx, marketplaceId);
  return { marketplaceId, deadline, requests: requests.length, responses, questions, organizations: seeded.organizations, forum };
}
