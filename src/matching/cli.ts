/**
 * `npm run match -- instance.json` (or `-`/no argument for standard input): prints the result of
 * `solveMatching` as JSON on standard output. A bad instance prints one line
 * `error: <path>: <message>` on standard error and exits 1; nothing ever prints a stack trace.
 *
 * Options: --heuristic | --milp (force a method), --time-limit <seconds>.
 */
import { readFile } from 'node:fs/promises';
import { parseInstance } from './instance.schema.ts';
import { solveMatching, type SolveOptions } from './optimizer.ts';

class UsageError extends Error {}

function parseArguments(args: readonly string[]): { source: string; options: SolveOptions } {
  const options: SolveOptions = { now: () => performance.now() };
  let source = '-';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--heuristic') options.method = 'heuristic';
    else if (arg === '--milp') options.method = 'milp';
    else if (arg === '--time-limit') {
      const seconds = Number(args[++i]);
      if (!(seconds > 0)) throw new UsageError('--time-limit: must be a number of seconds > 0');
      options.timeLimitSeconds = seconds;
    } else if (arg.startsWith('--')) throw new UsageError(`${arg}: unknown option`);
    else source = arg;
  }
  return { source, options };
}

async function readSource(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<number> {
  let source: string;
  let options: SolveOptions;
  try {
    ({ source, options } = parseArguments(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`error: ${describe(error)}\n`);
    return 1;
  }

  let text: string;
  try {
    text = await readSource(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`error: ${source}: cannot read${code ? ` (${code})` : ''}\n`);
    return 1;
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    process.stderr.write(`error: instance: not valid JSON (${describe(error)})\n`);
    return 1;
  }

  const parsed = parseInstance(json);
  if (!parsed.ok) {
    process.stderr.write(`error: ${parsed.message}\n`);
    return 1;
  }

  try {
    const result = await solveMatching(parsed.instance, options);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`error: optimizer: ${describe(error)}\n`);
    return 2;
  }
}

process.exitCode = await main();
