import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { createPostgresBackend, Queue } from 'bullmq';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../db/migrate.ts';
import { answers } from '../../src/platform/services.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/platform/embedded-postgres.ts';
import { QUEUE_SCHEMA } from '../../src/queue/queues.ts';
import { adminUrl, databaseUrl, DEFAULT_TEST_DATABASE_URL, dropStaleTestDatabases, testDatabaseName } from './databases.ts';
import { DEFAULT_TEST_REDIS_URL } from './environment.ts';
import { startRedisCluster, type RedisCluster } from './redis-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Chooses the services the way the service does (src/platform/services.ts): TEST_DATABASE_URL, or
 * the local Postgres, or an embedded one in .data/pg-test (started here, stopped at the end); the
 * queues on Redis (TEST_REDIS_URL or the local one) or, when none answers or QUEUE_BACKEND=postgres
 * says so, on Postgres; with TEST_REDIS_CLUSTER=1, on a three-master Redis Cluster started here
 * (tests/helpers/redis-cluster.ts) and stopped at the end, or on the one TEST_REDIS_CLUSTER_NODES
 * names. The test files, forked after this, inherit the choice through the environment. Then
 * migrates a template database once per run; each test file clones it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgres | null = null;
  if (!process.env.TEST_DATABASE_URL && !(await answers(DEFAULT_TEST_DATABASE_URL, 5432))) {
    embedded = await startEmbeddedPostgres({ dir: '.data/pg-test', disposable: true, say: (line) => console.log(line) });
    process.env.TEST_DATABASE_URL = embedded.url('postgres');
  }
  let redisCluster: RedisCluster | null = null;
  if (process.env.TEST_REDIS_CLUSTER === '1' && !process.env.TEST_REDIS_CLUSTER_NODES) {
    redisCluster = await startRedisCluster();
    process.env.TEST_REDIS_CLUSTER_NODES = redisCluster.nodes;
  }
  const onCluster = Boolean(process.env.TEST_REDIS_CLUSTER_NODES);
  if (!onCluster && !process.env.QUEUE_BACKEND && !process.env.TEST_REDIS_URL && !(await answers(DEFAULT_TEST_REDIS_URL, 6379))) process.env.QUEUE_BACKEND = 'postgres';
  const queues = process.env.QUEUE_BACKEND === 'postgres' ? 'Postgres' : onCluster ? `Redis Cluster ${process.env.TEST_REDIS_CLUSTER_NODES}` : 'Redis';
  console.log(`Tests: Postgres ${embedded ? `embedded (${embedded.dir}, port ${embedded.port})` : 'at TEST_DATABASE_URL or 127.0.0.1:5432'} · queues: ${queues}`);
  const stopServices = async () => {
    await embedded?.stop();
    await redisCluster?.stop();
  };

  try {
    const template = testDatabaseName('template');
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await dropStaleTestDatabases(admin, 3 * 3600);
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: databaseUrl(template), max: 1 });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await migrateToLatest(db);
    await db.destroy();
    // BullMQ's tables too, whichever backend this run uses: a test file on Postgres finds them made.
    const queue = new Queue('template', { connection: { connectionString: databaseUrl(template), schema: QUEUE_SCHEMA, migrate: true, max: 1 } }, createPostgresBackend);
    await queue.waitUntilReady();
    await queue.close();
    project.provide('templateDatabase', template);
    return async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await client.end();
      await stopServices();
    };
  } catch (error) {
    await stopServices();
    throw error;
  }
}
