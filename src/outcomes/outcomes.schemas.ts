import { N_ } from '../i18n/i18n.ts';
import { z } from 'zod';
import type { AssistanceStatus, MeetingOutcome } from '../../db/types.ts';

export const meetingOutcomes = ['did_not_take_place', 'not_enough_interest', 'useful_no_cooperation', 'cooperation_possible'] as const satisfies readonly MeetingOutcome[];
export const assistanceStatuses = ['started', 'in_preparation', 'not_started'] as const satisfies readonly AssistanceStatus[];

export const outcomeLabels: Record<MeetingOutcome, string> = {
  did_not_take_place: N_('It did not take place'),
  not_enough_interest: N_('Not enough common interest'),
  useful_no_cooperation: N_('Useful, no cooperation planned'),
  cooperation_possible: N_('Cooperation possible'),
};

export const assistanceLabels: Record<AssistanceStatus, string> = {
  started: N_('Yes, it started'),
  in_preparation: N_('It is in preparation'),
  not_started: N_('No'),
};

const note = z.string().trim().max(2000, 'must be at most 2000 characters').optional().meta({ description: 'Anything to add, for the forum secretariat' });

export const outcomeBody = z
  .object({
    outcome: z.enum(meetingOutcomes, { error: `must be one of ${meetingOutcomes.join(', ')}` }),
    note,
  })
  .strict();

export const assistanceBody = z
  .object({
    status: z.enum(assistanceStatuses, { error: `must be one of ${assistanceStatuses.join(', ')}` }),
    note,
  })
  .strict();

export type OutcomeInput = z.infer<typeof outcomeBody>;
export type AssistanceInput = z.infer<typeof assistanceBody>;

export const outcomeAnswer = z.object({
  meetingId: z.string(),
  party: z.enum(['requester', 'provider']),
  outcome: z.enum(meetingOutcomes),
  note: z.string().nullable(),
});

export const assistanceAnswer = z.object({ requestId: z.string(), status: z.enum(assistanceStatuses), note: z.string().nullable() });

/** The stages of the outcome funnel, in order. */
export const funnelStages = ['requests', 'withResponses', 'matched', 'held', 'cooperationPossible', 'assistanceStarted'] as const;
export type FunnelStage = (typeof funnelStages)[number];
export const funnelStageLabels: Record<FunnelStage, string> = {
  requests: N_('Requests'),
  withResponses: N_('With responses'),
  matched: N_('Matched'),
  held: N_('Meetings held'),
  cooperationPossible: N_('Cooperation possible'),
  assistanceStarted: N_('Assistance started'),
};

const counts = z.object(Object.fromEntries(funnelStages.map((s) => [s, z.number().int()])) as Record<FunnelStage, z.ZodNumber>);

export const funnelAnswer = z
  .object({
    stages: z.array(z.enum(funnelStages)),
    total: counts,
    byCategory: z.array(z.object({ category: z.string(), counts })),
    byOrganization: z.array(z.object({ organization: z.object({ id: z.string(), name: z.string() }), counts })),
  })
  .meta({ id: 'OutcomeFunnel' });
