/**
 * Row 5: the optimizer, by running `bench/match.ts` (the `bench:match` rows) as its own process:
 * each instance's objective and wall time against the greedy baseline on the same instance.
 */
import { promises as fs } from 'node:fs';
import { startProcess } from './processes.ts';
import type { MemoryRecord, RunSettings } from './phase.ts';

export interface OptimizerInstance {
  instance: string;
  offers: number;
  variables: number;
  method: string;
  seconds: number;
  objective: number;
  greedy: number;
  vsGreedy: string;
  gap: string;
}

export async function measureOptimizer(settings: RunSettings, memory: MemoryRecord[], sizes: string, log: (line: string) => void): Promise<OptimizerInstance[]> {
  log(`optimizer: bench/match.ts ${sizes}`);
  const run = startProcess({ name: 'optimizer-bench-match', script: 'bench/match.ts', args: [sizes], env: {}, logDir: settings.artifacts });
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', (c) => resolve(c)));
  memory.push({ row: 'optimizer', process: run.name, role: 'optimizer', peakBytes: await run.stop() });
  const output = await fs.readFile(run.logFile, 'utf8');
  if (code !== 0) throw new Error(`bench/match.ts exited with ${code}:\n${output.slice(-2000)}`);
  const rows = output
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| instance') && !line.startsWith('| ---'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
  return rows.map((c) => ({
    instance: c[0]!,
    offers: Number(c[1]),
    variables: Number(c[4]),
    method: c[5]!,
    seconds: Number(c[6]),
    objective: Number(c[7]),
    greedy: Number(c[8]),
    vsGreedy: c[9]!,
    gap: c[11]!,
  }));
}
