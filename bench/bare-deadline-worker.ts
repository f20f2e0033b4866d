/**
 * Baseline of the deadline row: the bare mechanism under the app's close. A BullMQ worker (same
 * concurrency as the app's deadlines queue) whose delayed job runs only the conditional UPDATE that
 * closes a request, with no lock-and-read, audit row, emails or enqueues. What is left is BullMQ's
 * delayed-job latency plus one Postgres write.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });

const close = (id: string) =>
  pool.query(`UPDATE requests SET status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1 AND status = 'open' AND response_deadline <= now()`, [id]);

const worker = new Worker(
  'bench-bare-close',
  async (job) => {
    const { requestId, deadlineMs } = job.data as { requestId: string; deadlineMs: number };
    const result = await close(requestId);
    // Fired a moment early: wait for the deadline, as the app's processor does.
    if (result.rowCount === 0 && deadlineMs > Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, deadlineMs - Date.now() + 20));
      await close(requestId);
    }
  },
  { connection, prefix: process.env.REDIS_PREFIX!, concurrency: Number(process.env.CONCURRENCY ?? 10) },
);
await worker.waitUntilReady();
process.send?.({ type: 'ready' });

process.on('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await connection.quit();
    await pool.end();
    process.exit(0);
  })();
});
