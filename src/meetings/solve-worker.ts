import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { solveMatching, type SolveProgress } from '../matching/optimizer.ts';
import { loadHighs } from '../matching/highs.ts';
import type { Instance } from '../matching/instance.schema.ts';

// The optimizer's thread (solve-in-worker.ts): it answers each solve it is sent, one at a time,
// with the solver's progress on the way. HiGHS is compiled and loaded as the thread starts, not at its
// first solve: a thread started ahead (`warmSolverThread`, and again after a big solve retired the
// last one) is then ready, which is most of what a decline's re-run would otherwise wait for.
void loadHighs().catch(() => {}); // a failure to load is the first solve's to report (loadHighs tries again)
parentPort!.on('message', (message: { id: number; instance: Instance; options: { timeLimitSeconds: number } }) => {
  const { id, instance, options } = message;
  const onProgress = (progress: SolveProgress) => parentPort!.postMessage({ id, type: 'progress', progress });
  solveMatching(instance, { ...options, now: () => performance.now(), onProgress })
    .then((result) => parentPort!.postMessage({ id, type: 'result', ok: true, result }))
    .catch((error: Error) => parentPort!.postMessage({ id, type: 'result', ok: false, message: error.message }));
});
