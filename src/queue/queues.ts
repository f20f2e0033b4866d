import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { jobDefinitions, queueNames, type JobName, type JobPayload, type QueueName } from './registry.ts';

/** The connection options every Redis client of ours shares; workers need maxRetriesPerRequest null. */
export function createRedis(url: string, role: 'producer' | 'worker' | 'commands'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    // A producer fails fast while Redis is away: Postgres holds the work, a sweep enqueues it later.
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5000,
    lazyConnect: false,
  }).on('error', () => {
    // Reconnection is automatic; readiness and job failures report the outage.
  });
}

export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};

/** Jobs per addBulk call: large enough to save round trips, small enough not to stall Redis. */
const ENQUEUE_CHUNK = 1000;

/** Typed access to every queue; the only place that adds jobs. */
export class JobQueues {
  readonly queues: Map<QueueName, Queue>;

  constructor(
    readonly connection: Redis,
    readonly prefix: string,
  ) {
    this.queues = new Map(
      queueNames.map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions }).on('error', () => {})] as const),
    );
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}): Promise<void> {
    const definition = jobDefinitions[name];
    const data = definition.payload.parse(payload);
    await this.queue(definition.queue).add(name, data, options);
  }

  /** Adds many jobs of one kind with BullMQ's addBulk: one Redis round trip per chunk. */
  async enqueueMany<N extends JobName>(name: N, jobs: Array<{ payload: JobPayload<N>; jobId: string }>, options: JobsOptions = {}): Promise<void> {
    const definition = jobDefinitions[name];
    const queue = this.queue(definition.queue);
    for (let i = 0; i < jobs.length; i += ENQUEUE_CHUNK) {
      await queue.addBulk(
        jobs.slice(i, i + ENQUEUE_CHUNK).map((job) => ({ name, data: definition.payload.parse(job.payload), opts: { ...options, jobId: job.jobId } })),
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
