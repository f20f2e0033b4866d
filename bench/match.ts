/**
 * `npm run bench:match [-- 1000,10000,50000 [busy-room share] [overlap]]`: the optimizer against
 * the greedy baseline on generated instances (tight and loose), as a Markdown table. Timing lives
 * here, never in tests. A busy-room share (e.g. 0.3) makes that share of the rooms busy at a few
 * slots, as in a re-run that keeps meetings; `overlap` adds the overlapping second track of slots.
 *
 * Columns: variables of the exact model; method used; wall time of solveMatching; its objective;
 * the greedy's objective on the same instance; the best upper bound known (HiGHS's dual bound
 * for the MILP, the time-aware flow bound otherwise) and the gap to it.
 */
import { generateInstance } from '../src/matching/generate.ts';
import { countExactVariables } from '../src/matching/milp.ts';
import { solveGreedy, solveMatching } from '../src/matching/optimizer.ts';
import { compileProblem } from '../src/matching/problem.ts';

const sizes = (process.argv[2] ?? '1000,10000,50000').split(',').map(Number);
const busyRooms = Number(process.argv[3] ?? 0);
const overlappingSlots = process.argv[4] === 'overlap';
const variant = `${busyRooms > 0 ? `-busy${Math.round(busyRooms * 100)}%` : ''}${overlappingSlots ? '-overlap' : ''}`;
const now = () => performance.now();
const SEED = 20070710;

const rows: string[][] = [
  ['instance', 'offers', 'rooms', 'slots', 'variables', 'method', 'seconds', 'objective', 'greedy', 'vs greedy', 'bound', 'gap'],
];
const print = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
print(rows[0]!);
print(rows[0]!.map(() => '---'));

for (const offers of sizes) {
  for (const tightness of ['tight', 'loose'] as const) {
    const instance = generateInstance({ offers, tightness, seed: SEED, busyRooms, overlappingSlots });
    const variables = countExactVariables(compileProblem(instance));
    const greedy = await solveGreedy(instance, { now });
    const result = await solveMatching(instance, { now });
    const { bound, gap, seconds, method } = result.stats;
    print([
      `${tightness}-${offers}${variant}`,
      String(instance.offers.length),
      String(instance.rooms.length),
      String(instance.slots.length),
      String(variables),
      method,
      seconds.toFixed(2),
      result.objective.toFixed(3),
      greedy.objective.toFixed(3),
      `${(((result.objective - greedy.objective) / Math.max(greedy.objective, 1e-9)) * 100).toFixed(2)}%`,
      bound === undefined ? '–' : bound.toFixed(3),
      gap === undefined ? '–' : `${(gap * 100).toFixed(3)}%`,
    ]);
  }
}
