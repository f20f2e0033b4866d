import { z } from 'zod';

/**
 * The one job registry: every job's name, the queue it runs on and its payload schema. Producers
 * enqueue through `JobQueues.enqueue`, workers validate again before they act.
 */
const deadlineMs = z.number().int().positive();
/** The most outbox rows one send-email job carries. */
export const EMAIL_JOB_MAX = 50;

export const jobDefinitions = {
  // Up to EMAIL_JOB_MAX outbox rows per job (outbox.service.ts: `emailJobSizing`). `outboxId` is the
  // form of one row per job, which jobs queued before the batches still carry.
  'send-email': {
    queue: 'email',
    payload: z.union([z.object({ outboxIds: z.array(z.string().uuid()).min(1).max(EMAIL_JOB_MAX) }), z.object({ outboxId: z.string().uuid() })]),
  },
  'sweep-outbox': { queue: 'email', payload: z.object({}) },
  'send-digests': { queue: 'email', payload: z.object({}) },
  // One job per deadline instant, however many requests share it: it closes everything due. When more
  // are due than one batch holds, it calls helpers (`helper`: 1, 2, ...) that other workers pick up; one
  // the closing worker takes is passed on (`hop`: how many times).
  'close-due-requests': { queue: 'deadlines', payload: z.object({ deadlineMs, helper: z.number().int().min(1).max(16).optional(), hop: z.number().int().min(0).max(16).optional() }) },
  'send-reminders': { queue: 'deadlines', payload: z.object({ requestId: z.string().uuid(), kind: z.enum(['7d', '24h']), deadlineMs }) },
  'sweep-deadlines': { queue: 'deadlines', payload: z.object({}) },
  'run-matching': {
    queue: 'matching',
    payload: z.object({ marketplaceId: z.string().uuid(), trigger: z.enum(['deadline', 'organizer', 'decline', 'sweep']), deadlineMs: deadlineMs.optional(), startedBy: z.string().uuid().optional(), runId: z.string().uuid().optional() }),
  },
} as const;

export type JobName = keyof typeof jobDefinitions;
export type JobPayload<N extends JobName> = z.infer<(typeof jobDefinitions)[N]['payload']>;
export type QueueName = (typeof jobDefinitions)[JobName]['queue'];

export const queueNames: QueueName[] = [...new Set(Object.values(jobDefinitions).map((d) => d.queue))];

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(jobDefinitions) as JobName[]).filter((name) => jobDefinitions[name].queue === queue);
}

/** Job ids are deterministic, versioned and free of ':' (BullMQ reserves it). */
export function jobId(...parts: Array<string | number>): string {
  return ['v1', ...parts].join('-').replace(/:/g, '_');
}
