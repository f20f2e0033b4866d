/**
 * An independent reading of docs/instance-format.md, used to judge the optimizer's results.
 * It shares no code with src/matching on purpose: times are read with Date.parse, and every rule
 * is checked on the concrete meetings (rooms included) rather than on the solver's model.
 *
 * Rules as the optimizer documents them (docs/matching-format.md): a party is `party ?? id` (one
 * namespace); busy intervals belong to the request or provider that lists them; a room holds one
 * meeting at a time and none during its own busy intervals (`rooms[].busy`, our extension).
 */
type Interval = [number, number];

export interface InstanceLike {
  slots: { id: string; start: string; end: string }[];
  rooms: { id: string; busy?: [string, string][] }[];
  requests: { id: string; maxMatches: number; busy?: [string, string][]; party?: string }[];
  providers: { id: string; capacity: number; busy?: [string, string][]; party?: string }[];
  offers: { request: string; provider: string; score: number }[];
}

export interface ResultLike {
  format: string;
  objective: number;
  meetings: { request: string; provider: string; slot: string; room: string; score: number }[];
  unscheduled: { request: string; provider: string; reason: string }[];
}

const overlap = (a: Interval, b: Interval) => a[0] < b[1] && b[0] < a[1];
const interval = ([start, end]: [string, string]): Interval => [Date.parse(start), Date.parse(end)];

/** Every rule the result breaks, as readable lines; empty when the result is feasible. */
export function findViolations(instance: InstanceLike, result: ResultLike): string[] {
  const problems: string[] = [];
  if (result.format !== 'marketplace-matching-result/1') problems.push(`format is ${result.format}`);
  const slotTime = new Map(instance.slots.map((s) => [s.id, interval([s.start, s.end])]));
  const rooms = new Map(instance.rooms.map((r) => [r.id, r]));
  const requests = new Map(instance.requests.map((r) => [r.id, r]));
  const providers = new Map(instance.providers.map((p) => [p.id, p]));
  const bestScore = new Map<string, number>();
  for (const o of instance.offers) {
    const key = `${o.request}\u0000${o.provider}`;
    bestScore.set(key, Math.max(bestScore.get(key) ?? 0, o.score));
  }

  const pairsSeen = new Set<string>();
  const perRequest = new Map<string, number>();
  const perProvider = new Map<string, number>();
  const byParty = new Map<string, Interval[]>();
  const byRoom = new Map<string, Interval[]>();
  let total = 0;
  for (const m of result.meetings) {
    const where = `meeting ${m.request}/${m.provider}@${m.slot}/${m.room}`;
    const request = requests.get(m.request);
    const provider = providers.get(m.provider);
    const time = slotTime.get(m.slot);
    if (!request || !provider || !time || !rooms.has(m.room)) {
      problems.push(`${where}: unknown id`);
      continue;
    }
    const key = `${m.request}\u0000${m.provider}`;
    const score = bestScore.get(key);
    if (score === undefined) problems.push(`${where}: not an offer`);
    else if (score !== m.score) problems.push(`${where}: score ${m.score} but the offer says ${score}`);
    if (pairsSeen.has(key)) problems.push(`${where}: pair meets twice`);
    pairsSeen.add(key);
    perRequest.set(m.request, (perRequest.get(m.request) ?? 0) + 1);
    perProvider.set(m.provider, (perProvider.get(m.provider) ?? 0) + 1);
    for (const busy of request.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: request busy`);
    for (const busy of provider.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: provider busy`);
    for (const party of new Set([request.party ?? request.id, provider.party ?? provider.id])) {
      const booked = byParty.get(party) ?? [];
      if (booked.some((b) => overlap(b, time))) problems.push(`${where}: party ${party} double-booked`);
      byParty.set(party, [...booked, time]);
    }
    for (const busy of rooms.get(m.room)!.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: room busy`);
    const inRoom = byRoom.get(m.room) ?? [];
    if (inRoom.some((b) => overlap(b, time))) problems.push(`${where}: room double-booked`);
    byRoom.set(m.room, [...inRoom, time]);
    total += m.score;
  }
  for (const [id, n] of perRequest) if (n > requests.get(id)!.maxMatches) problems.push(`request ${id}: ${n} meetings`);
  for (const [id, n] of perProvider) if (n > providers.get(id)!.capacity) problems.push(`provider ${id}: ${n} meetings`);
  if (Math.abs(total - result.objective) > 1e-9 * Math.max(1, total)) {
    problems.push(`objective ${result.objective} but meetings sum to ${total}`);
  }
  for (const u of result.unscheduled) {
    const key = `${u.request}\u0000${u.provider}`;
    if (!bestScore.has(key)) problems.push(`unscheduled ${u.request}/${u.provider}: not an offer`);
    if (pairsSeen.has(key)) problems.push(`unscheduled ${u.request}/${u.provider}: has a meeting`);
  }
  return problems;
}

/**
 * The optimum by enumeration: every pair either unscheduled or in one slot. Only for tiny
 * instances ((slots + 1) ^ pairs assignments). Rooms are checked by searching for concrete rooms:
 * each meeting a room free of busy time for its slot, no room two meetings at overlapping times.
 */
export function bruteForceOptimum(instance: InstanceLike): number {
  const pairs = [...new Map(instance.offers.map((o) => [`${o.request}\u0000${o.provider}`, o])).keys()].map((key) => {
    const [request, provider] = key.split('\u0000') as [string, string];
    const score = Math.max(...instance.offers.filter((o) => o.request === request && o.provider === provider).map((o) => o.score));
    return { request: instance.requests.find((r) => r.id === request)!, provider: instance.providers.find((p) => p.id === provider)!, score };
  });
  const slots = instance.slots.map((s) => interval([s.start, s.end]));
  let best = 0;
  const choice: number[] = [];
  const feasible = (): boolean => {
    const chosen = pairs.flatMap((p, i) => (choice[i]! >= 0 ? [{ ...p, time: slots[choice[i]!]! }] : []));
    for (const c of chosen) {
      if ([...(c.request.busy ?? []), ...(c.provider.busy ?? [])].some((b) => overlap(interval(b), c.time))) return false;
    }
    const count = (pick: (c: (typeof chosen)[number]) => string) => {
      const n = new Map<string, number>();
      for (const c of chosen) n.set(pick(c), (n.get(pick(c)) ?? 0) + 1);
      return n;
    };
    for (const [id, n] of count((c) => c.request.id)) if (n > instance.requests.find((r) => r.id === id)!.maxMatches) return false;
    for (const [id, n] of count((c) => c.provider.id)) if (n > instance.providers.find((p) => p.id === id)!.capacity) return false;
    for (let a = 0; a < chosen.length; a++) {
      for (let b = a + 1; b < chosen.length; b++) {
        const x = chosen[a]!;
        const y = chosen[b]!;
        if (!overlap(x.time, y.time)) continue;
        const px = new Set([x.request.party ?? x.request.id, x.provider.party ?? x.provider.id]);
        if (px.has(y.request.party ?? y.request.id) || px.has(y.provider.party ?? y.provider.id)) return false;
      }
    }
    return roomsCanBeGiven(chosen.map((c) => c.time));
  };
  const roomBusy = instance.rooms.map((room) => (room.busy ?? []).map(interval));
  /** Backtracking: meeting i gets some room free for it and not taken by an overlapping meeting. */
  const roomsCanBeGiven = (times: Interval[]): boolean => {
    const roomOf: number[] = [];
    const give = (i: number): boolean => {
      if (i === times.length) return true;
      const time = times[i]!;
      for (let room = 0; room < roomBusy.length; room++) {
        if (roomBusy[room]!.some((b) => overlap(b, time))) continue;
        if (roomOf.some((r, j) => j < i && r === room && overlap(times[j]!, time))) continue;
        roomOf[i] = room;
        if (give(i + 1)) return true;
      }
      return false;
    };
    return give(0);
  };
  const visit = (i: number, score: number) => {
    if (i === pairs.length) {
      if (score > best && feasible()) best = score;
      return;
    }
    for (let s = -1; s < slots.length; s++) {
      choice[i] = s;
      visit(i + 1, s >= 0 ? score + pairs[i]!.score : score);
    }
  };
  visit(0, 0);
  return best;
}
