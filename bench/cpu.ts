/**
 * Where the CPU went during a measurement window, from /proc (Linux): the whole machine, the
 * processes of the row (app or baseline), this bench process (load generator, SMTP sink), and all
 * Postgres and Redis server processes (shared with anything else running on the machine). Figures
 * are in % of one core, so 200% is both cores of a 2-core machine. For each labelled process, its
 * main thread's share of the window running and runnable but waiting for a core (`/proc/<pid>/schedstat`):
 * a thread that waits while it has work is held back by the others on the machine, not by its own code.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';

const TICK = 100; // USER_HZ on Linux

async function processTicks(pid: number | string): Promise<{ comm: string; ticks: number; ppid: string } | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the whole line: 12 and 13 after "pid (comm) ".
    return { comm, ticks: Number(fields[11]) + Number(fields[12]), ppid: fields[1]! };
  } catch {
    return null;
  }
}

/** The main thread's nanoseconds on a core and waiting for one (runnable), or null where the kernel does not say. */
async function mainThreadSchedule(pid: number): Promise<{ running: number; waiting: number } | null> {
  try {
    const [running, waiting] = (await fs.readFile(`/proc/${pid}/schedstat`, 'utf8')).trim().split(' ').map(Number);
    return Number.isFinite(running) && Number.isFinite(waiting) ? { running: running!, waiting: waiting! } : null;
  } catch {
    return null;
  }
}

interface Snapshot {
  at: number;
  schedules: Map<string, { running: number; waiting: number } | null>;
  machineBusy: number;
  machineTotal: number;
  processes: Map<string, number>;
  /** Ticks of every Postgres and Redis server process by pid (backends come and go). */
  postgres: Map<string, number>;
  redis: Map<string, number>;
  self: number;
}

/** CPU ticks spent between two snapshots by processes seen at the end (new ones count from zero). */
function spent(start: Map<string, number>, stop: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, t] of stop) ticks += t - (start.get(pid) ?? 0);
  return ticks;
}

async function snapshot(pids: Record<string, number>): Promise<Snapshot> {
  const cpu = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const postgres = new Map<string, number>();
  const redis = new Map<string, number>();
  const all = new Map<string, { ticks: number; ppid: string }>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = await processTicks(entry);
    if (!p) continue;
    all.set(entry, p);
    if (p.comm === 'postgres') postgres.set(entry, p.ticks);
    else if (p.comm.startsWith('redis-server')) redis.set(entry, p.ticks);
  }
  // A labelled process counts with its descendants (the web processes of WEB_PROCESSES > 1).
  const treeTicks = (pid: string): number => {
    let ticks = all.get(pid)?.ticks ?? 0;
    for (const [child, p] of all) if (p.ppid === pid) ticks += treeTicks(child);
    return ticks;
  };
  const processes = new Map<string, number>();
  for (const [label, pid] of Object.entries(pids)) processes.set(label, treeTicks(String(pid)));
  const schedules = new Map<string, { running: number; waiting: number } | null>();
  for (const [label, pid] of Object.entries(pids)) schedules.set(label, await mainThreadSchedule(pid));
  const self = process.cpuUsage();
  return { at: performance.now(), schedules, machineBusy: total - idle, machineTotal: total, processes, postgres, redis, self: (self.user + self.system) / 1e6 };
}

export interface CpuReport {
  seconds: number;
  /** % of one core. */
  machine: number;
  processes: Record<string, number>;
  /** Each labelled process's main thread, % of the window: on a core, and runnable but waiting for one. */
  mainThreads: Record<string, { running: number; waiting: number }>;
  postgres: number;
  redis: number;
  bench: number;
}

export function describeCpu(r: CpuReport): string {
  const pct = (n: number) => `${n.toFixed(0)}%`;
  const known = Object.values(r.processes).reduce((a, b) => a + b, 0) + r.postgres + r.redis + r.bench;
  return [
    ...Object.entries(r.processes).map(([k, v]) => {
      const main = r.mainThreads[k];
      // Only where the thread did something: an idle baseline process's line stays short.
      return main && main.running >= 5 ? `${k} ${pct(v)} (main thread running ${pct(main.running)}, waiting for a core ${pct(main.waiting)})` : `${k} ${pct(v)}`;
    }),
    `postgres ${pct(r.postgres)}`,
    `redis ${pct(r.redis)}`,
    `bench ${pct(r.bench)}`,
    `everything else ${pct(Math.max(0, r.machine - known))}`,
    `machine ${pct(r.machine)} of ${os.cpus().length * 100}%`,
  ].join(', ');
}

/** Starts a window; `end()` gives the CPU used in it. Only available on Linux (null elsewhere). */
export async function measureCpu(pids: Record<string, number>): Promise<{ end(): Promise<CpuReport | null> }> {
  const start = await snapshot(pids).catch(() => null);
  return {
    async end() {
      if (!start) return null;
      const stop = await snapshot(pids);
      const seconds = (stop.at - start.at) / 1000;
      const pct = (ticks: number) => ((ticks / TICK) / seconds) * 100;
      const cores = os.cpus().length;
      return {
        seconds,
        machine: ((stop.machineBusy - start.machineBusy) / (stop.machineTotal - start.machineTotal)) * cores * 100,
        processes: Object.fromEntries([...stop.processes].map(([label, ticks]) => [label, pct(ticks - (start.processes.get(label) ?? 0))])),
        mainThreads: Object.fromEntries(
          [...stop.schedules].flatMap(([label, end]) => {
            const begin = start.schedules.get(label);
            if (!begin || !end) return [];
            const share = (ns: number) => (ns / 1e9 / seconds) * 100;
            return [[label, { running: share(end.running - begin.running), waiting: share(end.waiting - begin.waiting) }]];
          }),
        ),
        postgres: pct(spent(start.postgres, stop.postgres)),
        redis: pct(spent(start.redis, stop.redis)),
        bench: ((stop.self - start.self) / seconds) * 100,
      };
    },
  };
}
