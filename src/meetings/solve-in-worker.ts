import { Worker } from 'node:worker_threads';
import type { Instance, MatchingResult } from '../matching/instance.schema.ts';
import type { SolveProgress } from '../matching/optimizer.ts';

export type { SolveProgress };

type Message = { id: number; type: 'progress'; progress: SolveProgress } | { id: number; type: 'result'; ok: true; result: MatchingResult } | { id: number; type: 'result'; ok: false; message: string };

interface Pending {
  id: number;
  instance: Instance;
  timeLimitSeconds: number;
  hungAfterSeconds: number;
  onProgress: ((progress: SolveProgress) => void) | undefined;
  keepThread: boolean;
  resolve: (result: MatchingResult) => void;
  reject: (error: Error) => void;
}

/**
 * Beyond its time limit a solver answers with the best schedule it has within moments; one that has
 * not answered after this much longer is hung, and its thread is stopped.
 */
const HUNG_AFTER_SECONDS = (timeLimitSeconds: number) => 10 + timeLimitSeconds * 0.5;

/**
 * After a solve of at least this many offers the thread is stopped and the next solve starts a new one:
 * HiGHS's WebAssembly memory only grows, so a thread that solved a fifty-times forum would hold a few
 * hundred MB for the life of the process. (It does not lower a run's own peak, which at fifty times a
 * forum comes while it solves; BENCHMARKS.md.) The solves of one run share the thread (`keepThread`),
 * and a worker process starts the next thread as soon as the old one has stopped (`replace`).
 */
export const RETIRE_AFTER_OFFERS = 5000;

/** The thread's young generation (V8's default for a 64-bit heap: 48 MB). */
const YOUNG_GENERATION_MB = 8;

/**
 * The optimizer's thread, started once per process and reused by every run of up to
 * RETIRE_AFTER_OFFERS offers: HiGHS blocks the thread it runs on, so the process keeps serving HTTP and
 * other jobs meanwhile, and a run does not pay for a new thread (and, under tsx, its TypeScript
 * loader). Solves take turns.
 */
class SolverThread {
  private worker: Worker | null = null;
  /** The running thread solved a big instance whose caller kept the thread for its next solve (`retireIfBig`). */
  private solvedBig = false;
  private queue: Pending[] = [];
  private current: Pending | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** The process keeps a thread started ahead of its runs (`warm`): a retired thread is then replaced at once. */
  private keepWarm = false;

  solve(instance: Instance, options: SolveInWorkerOptions): Promise<MatchingResult> {
    return new Promise((resolve, reject) => {
      const hungAfterSeconds = options.hungAfterSeconds ?? HUNG_AFTER_SECONDS(options.timeLimitSeconds);
      this.queue.push({ id: this.nextId++, instance, timeLimitSeconds: options.timeLimitSeconds, hungAfterSeconds, onProgress: options.onProgress, keepThread: !!options.keepThread, resolve, reject });
      this.next();
    });
  }

  /** Starts the thread ahead of the first run (a worker process does, so its first run is as quick as the next). */
  warm(): void {
    this.keepWarm = true;
    this.thread().unref();
  }

  /** The running thread's id, or null when none runs (before the first solve, after a retirement). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Stops the thread if it solved a big instance and nothing else waits for it (see `keepThread`). */
  retireIfBig(): void {
    if (!this.solvedBig || this.current || this.queue.length > 0 || !this.worker) return;
    const worker = this.worker;
    this.worker = null;
    this.solvedBig = false;
    this.replace(worker);
  }

  /**
   * Stops a thread that solved a big instance. In a process that keeps a thread warm, a new one starts
   * once the old one's memory is gone, and loads HiGHS while nothing waits: a decline's re-run that
   * follows a big run then finds it ready instead of paying 2 s for a cold start (BENCHMARKS.md, issue 12).
   */
  private replace(worker: Worker): void {
    const restart = () => {
      if (this.keepWarm && !this.worker) this.thread().unref();
    };
    worker.terminate().then(restart, restart);
  }

  async close(): Promise<void> {
    this.keepWarm = false;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // Compiled (dist/*.js) the thread runs solve-worker.js; from the TypeScript sources, a shim that registers tsx first.
    const entry = import.meta.url.endsWith('.ts') ? new URL('./solve-worker.mjs', import.meta.url) : new URL('./solve-worker.js', import.meta.url);
    // A young generation of 8 MB, not V8's 48: the solver's garbage is short-lived and the thread's heap
    // peaked at 53-60 MB instead of 23-32 at fifty times a forum, its solve time unchanged (BENCHMARKS.md).
    const worker = new Worker(entry, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.on('message', (message: Message) => this.onMessage(message));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the optimizer thread exited with code ${code}`)));
    this.worker = worker;
    this.solvedBig = false;
    return worker;
  }

  private next(): void {
    if (this.current || this.queue.length === 0) return;
    const job = (this.current = this.queue.shift()!);
    const worker = this.thread();
    worker.ref();
    this.watchdog = setTimeout(() => {
      // Terminating rejects through the exit handler, with this message first.
      this.fail(worker, new Error(`the optimizer did not answer within ${job.hungAfterSeconds} s (its time limit is ${job.timeLimitSeconds} s); its thread was stopped`));
      void worker.terminate();
    }, job.hungAfterSeconds * 1000);
    worker.postMessage({ id: job.id, instance: job.instance, options: { timeLimitSeconds: job.timeLimitSeconds } });
  }

  private onMessage(message: Message): void {
    const job = this.current;
    if (!job || message.id !== job.id) return;
    if (message.type === 'progress') {
      job.onProgress?.(message.progress);
      return;
    }
    const big = job.instance.offers.length >= RETIRE_AFTER_OFFERS;
    if (big && job.keepThread) this.solvedBig = true;
    this.finish(big && !job.keepThread);
    if (message.ok) job.resolve(message.result);
    else job.reject(new Error(`the optimizer failed: ${message.message}`));
  }

  /** The thread broke or hung: the solve in progress fails, the next solve starts a new thread. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const job = this.current;
    this.finish();
    job?.reject(error);
  }

  private finish(retire = false): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.current = null;
    this.worker?.unref();
    if (retire && this.worker) {
      const worker = this.worker;
      this.worker = null;
      this.replace(worker);
    }
    this.next();
  }
}

const solver = new SolverThread();

export interface SolveInWorkerOptions {
  timeLimitSeconds: number;
  onProgress?: (progress: SolveProgress) => void;
  /** When the thread counts as hung and is stopped (default: 10 s + half the time limit). */
  hungAfterSeconds?: number;
  /**
   * Another solve of the same run may follow: a big solve does not stop the thread, which the next solve
   * reuses warm (a new thread's optimizer starts cold, some 1.5 s at fifty times a forum). The caller
   * calls `retireSolverThreadIfBig()` when its solves are done.
   */
  keepThread?: boolean;
}

/** Solves in the process's optimizer thread, stopping at the time limit with the best schedule found. */
export function solveInWorker(instance: Instance, options: SolveInWorkerOptions): Promise<MatchingResult> {
  return solver.solve(instance, options);
}

export const warmSolverThread = () => solver.warm();
/** After solves with `keepThread`: stops the thread if one of them was big, as a single solve would have. */
export const retireSolverThreadIfBig = () => solver.retireIfBig();
export const closeSolverThread = () => solver.close();
export const solverThreadId = () => solver.threadId;
