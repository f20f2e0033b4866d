/**
 * The HiGHS solver (WebAssembly) and the one kind of model this folder gives it: maximize a
 * non-negative linear objective over variables in [0, 1] (or [0, u]) subject to "sum of some
 * variables - sum of some others <= k" rows. The runtime is loaded once per process and reused.
 */
import highsModule, { type Highs } from 'highs';

/**
 * highs describes its ESM build with CommonJS-style types, so under NodeNext TypeScript sees the
 * default import as the module object; at run time it is the loader function itself.
 */
const highsLoader: typeof highsModule.default =
  typeof highsModule === 'function' ? highsModule : highsModule.default;

let loading: Promise<Highs> | undefined;

export function loadHighs(): Promise<Highs> {
  if (!loading) {
    loading = highsLoader().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  }
  return loading;
}

/** A row "sum of columns - sum of minus <= upper"; a column appears at most once per row. */
export interface PackingRow {
  columns: readonly number[];
  /** Columns with coefficient -1 (none unless given). */
  minus?: readonly number[];
  /** Coefficients of `columns`, in their order (all 1 unless given). */
  weights?: readonly number[];
  upper: number;
}

export interface PackingModel {
  /** Objective coefficient (gain) of each column; every column lies in [0, 1] unless `columnUpper` says otherwise. */
  gains: readonly number[];
  /** Upper bound of each column (default 1). */
  columnUpper?: readonly number[];
  rows: readonly PackingRow[];
  /** Whether the columns must be 0 or 1 (MILP) rather than anything in [0, 1] (LP). */
  binary: boolean;
}

export interface PackingOptions {
  /**
   * HiGHS's own limit, on its own clock; a function is asked once the model is loaded, just before
   * HiGHS runs (and HiGHS does not run if it answers 0 or less).
   */
  timeLimitSeconds?: number | (() => number);
  /** Relative MIP gap at which HiGHS stops. */
  mipGap?: number;
  /** A feasible 0/1 assignment to start the MIP search from. */
  start?: Float64Array;
  /** Asked at the MIP's checkpoints (nodes, heuristics): true interrupts it with its best solution so far. */
  shouldStop?: () => boolean;
  /** Told of each better MIP solution and of the MIP's progress: its best objective and bound so far. */
  onMipProgress?: (objective: number | undefined, bound: number | undefined) => void;
}

export interface PackingOutcome {
  /** HiGHS model status: optimal, timeLimit, infeasible, ... (see highs.constants.modelStatus). */
  status: 'optimal' | 'limit' | 'failed';
  /** Column values when a feasible solution exists. */
  values?: Float64Array;
  objective?: number;
  /** Proven upper bound on the objective (the MIP dual bound, or the LP optimum). */
  bound?: number;
}

export function solvePacking(highs: Highs, model: PackingModel, options: PackingOptions = {}): PackingOutcome {
  const numCols = model.gains.length;
  if (numCols === 0) return { status: 'optimal', values: new Float64Array(0), objective: 0, bound: 0 };
  const numRows = model.rows.length;
  const starts = new Int32Array(numRows + 1);
  let nonZeros = 0;
  model.rows.forEach((row, i) => {
    nonZeros += row.columns.length + (row.minus?.length ?? 0);
    starts[i + 1] = nonZeros;
  });
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros).fill(1);
  model.rows.forEach((row, i) => {
    indices.set(row.columns, starts[i]);
    if (row.weights) values.set(row.weights, starts[i]);
    if (row.minus?.length) {
      const from = starts[i]! + row.columns.length;
      indices.set(row.minus, from);
      values.fill(-1, from, from + row.minus.length);
    }
  });

  const data = {
    numCols,
    numRows,
    sense: highs.constants.objectiveSense.maximize,
    colCost: Float64Array.from(model.gains),
    colLower: new Float64Array(numCols),
    colUpper: model.columnUpper ? Float64Array.from(model.columnUpper) : new Float64Array(numCols).fill(1),
    rowLower: new Float64Array(numRows).fill(-highs.infinity),
    rowUpper: Float64Array.from(model.rows, (row) => row.upper),
    matrix: { format: 'csr' as const, numRows, numCols, starts, indices, values },
    ...(model.binary ? { integrality: new Int32Array(numCols).fill(highs.constants.variableType.integer) } : {}),
  };

  return highs.withModel(data, (lp): PackingOutcome => {
    const timeLimit = typeof options.timeLimitSeconds === 'function' ? options.timeLimitSeconds() : options.timeLimitSeconds;
    if (timeLimit !== undefined && timeLimit <= 0) return { status: 'limit' };
    lp.options.set({
      output_flag: false,
      random_seed: 1,
      // The relaxations (packing LPs with one dense row) solve faster without presolve: 50,000 offers,
      // 0.75 s instead of 1.23 s (loose) and 0.49 instead of 0.68 (tight), the same bounds (bench:match).
      // So do the exact models, and by more: HiGHS's MIP presolve of these set-packing rows removes
      // little, and what follows it (before the first node, with no checkpoint to interrupt it) took
      // 2.9 s of a 34,923-variable re-run that solves to optimality in 0.9 s without it; tight-1000 in
      // 0.2 s instead of 1.2 s, a 3,000-offer model with overlapping slots 1.0 s instead of 4.1 s, the
      // same optima.
      presolve: 'off',
      // The MILP always starts from the heuristic's schedule, far better than what HiGHS's
      // feasibility jump finds, which took 0.1-0.4 s (uninterruptible) on the models above.
      ...(model.binary ? { mip_heuristic_run_feasibility_jump: false } : {}),
      ...(timeLimit !== undefined ? { time_limit: timeLimit } : {}),
      ...(model.binary && options.mipGap !== undefined ? { mip_rel_gap: options.mipGap } : {}),
    });
    if (model.binary && options.start) lp.setSolution({ colValue: options.start });
    const { shouldStop, onMipProgress } = options;
    const toFinite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : undefined);
    const mipInterrupt = highs.constants.callbackType.mipInterrupt;
    const mipImprovingSolution = highs.constants.callbackType.mipImprovingSolution;
    const { modelStatus } = lp.run(
      model.binary && (shouldStop || onMipProgress)
        ? {
            [mipInterrupt]: (event) => {
              onMipProgress?.(toFinite(event.data.mip_primal_bound), toFinite(event.data.mip_dual_bound));
              if (shouldStop?.()) event.interrupt();
            },
            [mipImprovingSolution]: (event) => {
              onMipProgress?.(toFinite(event.data.objective_function_value), toFinite(event.data.mip_dual_bound));
            },
          }
        : undefined,
    );
    const codes = highs.constants.modelStatus;
    const status: PackingOutcome['status'] =
      modelStatus === codes.optimal
        ? 'optimal'
        : modelStatus === codes.timeLimit || modelStatus === codes.iterationLimit || modelStatus === codes.interrupted
          ? 'limit'
          : 'failed';
    const hasSolution = Number(lp.info.get('primal_solution_status')) === highs.constants.solutionStatus.feasible;
    if (status === 'failed' || !hasSolution) return { status: status === 'optimal' ? 'failed' : status };
    const objective = lp.getObjectiveValue();
    const bound = model.binary ? Number(lp.info.get('mip_dual_bound')) : status === 'optimal' ? objective : undefined;
    return {
      status,
      values: lp.getSolution().colValue,
      objective,
      ...(bound !== undefined && Number.isFinite(bound) ? { bound } : {}),
    };
  });
}
