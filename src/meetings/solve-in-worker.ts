import { Worker } from 'node:worker_threads';
import type { Instance, MatchingResult } from '../matching/instance.schema.ts';

/** Solves in a worker thread, so the process keeps serving HTTP and other jobs meanwhile. */
export function solveInWorker(instance: Instance, options: { timeLimitSeconds?: number } = {}): Promise<MatchingResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./solve-worker.mjs', import.meta.url), { workerData: { instance, options } });
    worker.once('message', (message: { ok: true; result: MatchingResult } | { ok: false; message: string }) => {
      if (message.ok) resolve(message.result);
      else reject(new Error(`the optimizer failed: ${message.message}`));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the optimizer thread exited with code ${code}`));
    });
  });
}
