/**
 * `npm run bench:match [-- 1000,10000,50000 [busy-room share] [variants]]`: the optimizer against
 * the greedy baseline on generated instances (tight and loose), as a Markdown table. Timing lives
 * here, never in tests. A busy-room share (e.g. 0.3) makes that share of the rooms busy at a few
 * slots, as in a re-run that keeps meetings. Variants, comma-separated:
 * - `overlap` adds the overlapping second track of slots;
 * - `scarce`: 20 rooms over 3 days of 16 slots, whatever the size (rooms are what binds);
 * - `rerun`: the re-run after a decline at that size: 40 rooms over 3 days of 16 slots, solved
 *   once, then solved again keeping the first 15/16 of its meetings (room busy time, capacities
 *   reduced, generate.ts keepMeetings), with a time limit of RERUN_LIMIT_SECONDS as the service
 *   gives it. The row is the re-run.
 * - `limits`: a version 2 instance with meeting limits for every party (at most 4 meetings a day,
 *   3 back to back, days in Europe/Brussels), docs/matching-format.md.
 *
 * Columns: variables of the exact model; method used; wall time of solveMatching (the first solve
 * of each size runs after the greedy's, so HiGHS and the JIT are warm); its objective; the greedy's
 * objective on the same instance; the best upper bound known (HiGHS's dual bound for the MILP, the
 * time-aware flow bound otherwise) and the gap to it; whether the time limit stopped it.
 */
import { generateInstance, keepMeetings, type GenerateOptions } from '../src/matching/generate.ts';
import { INSTANCE_FORMAT_WITH_RULES, type Instance } from '../src/matching/instance.schema.ts';
import { countExactVariables } from '../src/matching/milp.ts';
import { solveGreedy, solveMatching, type SolveOptions } from '../src/matching/optimizer.ts';
import { compileProblem } from '../src/matching/problem.ts';

const RERUN_LIMIT_SECONDS = 2;
const sizes = (process.argv[2] ?? '1000,10000,50000').split(',').map(Number);
const busyRooms = Number(process.argv[3] ?? 0);
const variants = new Set((process.argv[4] ?? '').split(',').filter(Boolean));
for (const v of variants) if (!['overlap', 'scarce', 'rerun', 'limits'].includes(v)) throw new Error(`unknown variant ${v}`);
const overlappingSlots = variants.has('overlap');
const name = `${busyRooms > 0 ? `-busy${Math.round(busyRooms * 100)}%` : ''}${[...variants].map((v) => `-${v}`).join('')}`;
const now = () => performance.now();
const SEED = 20070710;

const shape: Partial<GenerateOptions> = variants.has('rerun')
  ? { days: 3, slotsPerDay: 16, rooms: 40 }
  : variants.has('scarce')
    ? { days: 3, slotsPerDay: 16, rooms: 20 }
    : {};

async function instanceFor(offers: number, tightness: 'tight' | 'loose'): Promise<{ instance: Instance; options: SolveOptions }> {
  const plain = generateInstance({ offers, tightness, seed: SEED, busyRooms, overlappingSlots, ...shape });
  const generated: Instance = variants.has('limits')
    ? { ...plain, format: INSTANCE_FORMAT_WITH_RULES, rules: { maxMeetingsPerDay: 4, maxConsecutive: 3, timeZone: 'Europe/Brussels' } }
    : plain;
  if (!variants.has('rerun')) return { instance: generated, options: {} };
  const first = await solveMatching(generated);
  const kept = first.meetings.slice(0, Math.floor((first.meetings.length * 15) / 16)); // meetings come in time order
  return { instance: keepMeetings(generated, kept), options: { timeLimitSeconds: RERUN_LIMIT_SECONDS } };
}

const header = ['instance', 'offers', 'rooms', 'slots', 'variables', 'method', 'seconds', 'objective', 'greedy', 'vs greedy', 'bound', 'gap', 'stopped'];
const print = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
print(header);
print(header.map(() => '---'));

for (const offers of sizes) {
  for (const tightness of ['tight', 'loose'] as const) {
    const { instance, options } = await instanceFor(offers, tightness);
    const variables = countExactVariables(compileProblem(instance));
    const greedy = await solveGreedy(instance, { now });
    const result = await solveMatching(instance, { now, ...options });
    const { bound, gap, seconds, method, stoppedOnTimeLimit } = result.stats;
    print([
      `${tightness}-${offers}${name}`,
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
      stoppedOnTimeLimit ? `yes (${options.timeLimitSeconds ?? 30} s)` : '–',
    ]);
  }
}
