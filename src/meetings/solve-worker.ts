import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { solveMatching } from '../matching/optimizer.ts';
import type { Instance } from '../matching/instance.schema.ts';

// Runs the optimizer off the main thread: HiGHS blocks the thread it runs on for up to its time limit.
const { instance, options } = workerData as { instance: Instance; options: { timeLimitSeconds?: number } };
solveMatching(instance, { ...options, now: () => performance.now() })
  .then((result) => parentPort!.postMessage({ ok: true, result }))
  .catch((error: Error) => parentPort!.postMessage({ ok: false, message: error.message }));
