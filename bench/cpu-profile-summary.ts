/**
 * `tsx bench/cpu-profile-summary.ts FILE.cpuprofile... [top]`: where a `node --cpu-prof` profile spent
 * its time: self time by package (node_modules/<name>, the app's own folders, node internals, GC,
 * idle), the top functions by self time, and the app's own functions (src/, workers/) by inclusive
 * time (everything under them, e.g. closeRequest, renderEmail, sendOutboxEmail). `npm run bench` with BENCH_CPU_PROF=1 writes profiles
 * of the web and worker processes into the run's artifacts folder.
 *
 * `--seconds-with=NAME` keeps only the seconds of the profile in which a function of that name was on a
 * sampled stack (`--seconds-without=NAME`: the other seconds): the web process serves browse and respond
 * rounds in turn, and `--seconds-with=responseToJson` summarizes its respond rounds alone.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith('.cpuprofile'));
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const window = ((arg) => (arg ? { name: arg.slice(arg.indexOf('=') + 1), keep: arg.startsWith('--seconds-with=') } : null))(args.find((a) => /^--seconds-with(out)?=/.test(a)));
if (files.length === 0) {
  console.error('usage: tsx bench/cpu-profile-summary.ts FILE.cpuprofile... [top]');
  process.exit(1);
}

function where(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const app = /\/(src|workers|db|bench)\/([^/]+)/.exec(url);
  return app ? `${app[1]}/${app[2]}` : url;
}

for (const file of files) summarize(file);

function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  if (window) keepSeconds(profile, window.name, window.keep);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));

  // Self time per node from the samples and their time deltas (µs).
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = where(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }

  // Inclusive time of the app's own functions: each sample counts once for every app frame on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = byId.get(at)!.callFrame;
      const app = /\/(src|workers)\/(.+)$/.exec(url);
      if (!app || !functionName || url.includes('/node_modules/')) continue;
      const key = `${functionName} ${app[1]}/${app[2]}`;
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      seen.add(key);
    }
  }

  const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1)}%`;
  const busyUs = totalUs - (byPackage.get('(idle)') ?? 0);
  console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(1)} s busy (${pct(busyUs)})`);
  console.log('\nself time by package');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${pkg}`);
  console.log('\nself time by function');
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${fn}`);
  console.log('\nthe app\'s functions by inclusive time');
  for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${fn}`);
  console.log('');
}

/** Leaves in `profile` only the samples of the seconds in which a frame named `name` was sampled (or, with keep false, of the others). */
function keepSeconds(profile: Profile, name: string, keep: boolean): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const named = new Map<number, boolean>();
  const hasName = (id: number): boolean => {
    let answer = named.get(id);
    if (answer === undefined) {
      const up = parent.get(id);
      answer = byId.get(id)!.callFrame.functionName === name || (up !== undefined && hasName(up));
      named.set(id, answer);
    }
    return answer;
  };
  let at = 0;
  const second = profile.samples.map((_, i) => Math.floor((at += profile.timeDeltas[i] ?? 0) / 1e6));
  const marked = new Set(profile.samples.flatMap((id, i) => (hasName(id) ? [second[i]!] : [])));
  const kept = profile.samples.flatMap((_, i) => (marked.has(second[i]!) === keep ? [i] : []));
  console.log(`${keep ? 'seconds with' : 'seconds without'} ${name}: ${new Set(kept.map((i) => second[i])).size} of ${new Set(second).size}`);
  profile.timeDeltas = kept.map((i) => profile.timeDeltas[i]!);
  profile.samples = kept.map((i) => profile.samples[i]!);
}
