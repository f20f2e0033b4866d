import { createPostgresBackend, Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { Config } from '../config/config.ts';
import { createRedis, redisReady, type RedisClient } from './redis.ts';
import { jobDefinitions, queueNames, type JobName, type JobPayload, type QueueName } from './registry.ts';

export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};

/** Jobs per addBulk call: large enough to save round trips, small enough not to stall Redis. */
const ENQUEUE_CHUNK = 1000;

/** The Postgres schema BullMQ's tables live in, beside the service's own (bullmq's default). */
export const QUEUE_SCHEMA = 'bullmq';

/** What a worker process needs from the backend: workers on it, and a word when its connection comes back. */
export interface WorkerFactory {
  newWorker(queue: QueueName, processor: Processor, options: Omit<WorkerOptions, 'connection' | 'prefix'>): Worker;
  /** Called when the connection comes back after an outage (Redis only: its data may be gone). Returns the way to stop listening. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * The one place that knows which backend runs the jobs (config.queueBackend): BullMQ on Redis, or
 * BullMQ on its Postgres backend (`createPostgresBackend`, tables in the `bullmq` schema of the
 * service's own database). Producers enqueue through `enqueue`, workers come from `workerFactory`;
 * neither knows which one runs.
 *
 * On Postgres, each queue and worker owns a small pool (bullmq builds it from the connection
 * options and runs its own schema migrations, under an advisory lock, at first use), and a worker
 * waits for jobs on a LISTEN connection of its own.
 */
export class JobQueues {
  /** Made at first use: on Postgres a queue checks its tables as it is made, so not before the database exists. */
  private readonly queues = new Map<QueueName, Queue>();
  readonly backend: Config['queueBackend'];

  constructor(
    private readonly config: Pick<Config, 'queueBackend' | 'DATABASE_URL' | 'REDIS_PREFIX' | 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
    /** The producer's Redis connection (Redis backend only): a server's or a cluster's. */
    readonly connection: RedisClient | null,
  ) {
    this.backend = config.queueBackend;
  }

  private newQueue(name: QueueName): Queue {
    if (this.backend === 'postgres') return new Queue(name, { connection: this.postgresConnection(4), defaultJobOptions }, createPostgresBackend) as unknown as Queue;
    return new Queue(name, { connection: this.connection!, prefix: this.config.REDIS_PREFIX, defaultJobOptions });
  }

  private postgresConnection(max: number) {
    return { connectionString: this.config.DATABASE_URL, schema: QUEUE_SCHEMA, migrate: true, max, connectionTimeoutMillis: 5000 };
  }

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = this.newQueue(name).on('error', () => {})));
    return queue;
  }

  /** Before the first job: on Postgres, BullMQ's tables are made or brought up to date (once, under a lock). */
  async prepare(): Promise<void> {
    if (this.backend === 'postgres') await Promise.all(queueNames.map((name) => this.queue(name).waitUntilReady()));
  }

  /** Whether the backend answers (readiness): Redis's PING, or a query through a queue's pool on Postgres. */
  async ping(): Promise<void> {
    if (this.backend === 'redis') {
      const redis = this.connection!;
      // A producer's connection queues nothing while it connects (enableOfflineQueue: false): wait for it.
      await redisReady(redis);
      await redis.ping();
    }
    else await this.queue('email').getJobCounts('waiting');
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}): Promise<void> {
    const definition = jobDefinitions[name];
    const data = definition.payload.parse(payload);
    await this.queue(definition.queue).add(name, data, options);
  }

  /** Adds many jobs of one kind with BullMQ's addBulk: one round trip per chunk. A job's own `options` add to those of all. */
  async enqueueMany<N extends JobName>(name: N, jobs: Array<{ payload: JobPayload<N>; jobId: string; options?: JobsOptions }>, options: JobsOptions = {}): Promise<void> {
    const definition = jobDefinitions[name];
    const queue = this.queue(definition.queue);
    for (let i = 0; i < jobs.length; i += ENQUEUE_CHUNK) {
      await queue.addBulk(
        jobs.slice(i, i + ENQUEUE_CHUNK).map((job) => ({ name, data: definition.payload.parse(job.payload), opts: { ...options, ...job.options, jobId: job.jobId } })),
      );
    }
  }

  /** Workers of this backend. On Redis they share one blocking connection of their own; on Postgres each has a pool sized to its concurrency. */
  workerFactory(): WorkerFactory {
    if (this.backend === 'postgres') {
      return {
        newWorker: (queue, processor, options) =>
          new Worker(queue, processor, { ...options, connection: this.postgresConnection((options.concurrency ?? 1) + 2) }, createPostgresBackend) as unknown as Worker,
        // Postgres holds the jobs with the rest of the data: nothing is lost when the connection drops.
        onReconnect: () => () => {},
        close: async () => {},
      };
    }
    const connection = createRedis(this.config, 'worker');
    return {
      newWorker: (queue, processor, options) => new Worker(queue, processor, { ...options, connection, prefix: this.config.REDIS_PREFIX }),
      onReconnect: (listener) => {
        connection.on('ready', listener);
        return () => connection.off('ready', listener);
      },
      close: async () => {
        await connection.quit().catch(() => connection.disconnect());
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
