/**
 * An independent reading of docs/instance-format.md, used to judge the optimizer's results.
 * It shares no code with src/matching on purpose: times are read with Date.parse, and every rule
 * is checked on the concrete meetings (rooms included) rather than on the solver's model.
 *
 * Rules as the optimizer documents them (docs/matching-format.md): a party is `party ?? id` (one
 * namespace); busy intervals belong to the request or provider that lists them; a room holds one
 * meeting at a time and none during its own busy intervals (`rooms[].busy`, our extension).
 *
 * Meeting limits (`marketplace-matching/2`, docs/matching-format.md): per party, at most
 * maxMeetingsPerDay meetings starting on one calendar date (in rules.timeZone, read here with
 * Intl; without it, the date the slot's start is written with), and no run of more than
 * maxConsecutive meetings each starting the instant the one before ends. A party's limit is the
 * smallest its entries give, else the document's.
 *
 * Fixed meetings (`fixedMeetings`, version 2) are meetings of their two parties (`party ?? id`)
 * that the result does not list: no meeting of either party may overlap one, they count in the
 * party's meetings of their date and in its runs, and their requester is served. Only a date or a
 * run with one of the result's meetings in it can break a limit (the result cannot undo the fixed
 * ones).
 */
type Interval = [number, number];

interface PartyLimits {
  maxMeetingsPerDay?: number;
  maxConsecutive?: number;
}

/**
 * The requesting parties (`party ?? id` of a meeting's request) that have a meeting: what
 * `rules.fairness` maximizes before the score.
 */
export function servedRequesters(instance: InstanceLike, meetings: readonly { request: string }[]): number {
  const partyOf = new Map(instance.requests.map((r) => [r.id, r.party ?? r.id]));
  return new Set([...meetings.map((m) => partyOf.get(m.request)), ...(instance.fixedMeetings ?? []).map((f) => f.requester)]).size;
}

export interface FixedMeetingLike {
  requester: string;
  provider: string;
  alsoProviders?: string[];
  start: string;
  end: string;
}

export interface InstanceLike {
  format?: string;
  rules?: PartyLimits & { timeZone?: string; fairness?: boolean };
  slots: { id: string; start: string; end: string }[];
  rooms: { id: string; busy?: [string, string][] }[];
  requests: ({ id: string; maxMatches: number; busy?: [string, string][]; party?: string } & PartyLimits)[];
  providers: ({ id: string; capacity: number; busy?: [string, string][]; party?: string } & PartyLimits)[];
  offers: { request: string; provider: string; score: number; alsoRequests?: string[]; alsoProviders?: string[]; minMinutes?: number; maxMinutes?: number }[];
  fixedMeetings?: FixedMeetingLike[];
}

/**
 * A pair: its request, the other requests its meeting serves (`alsoRequests`, version 2, in any
 * order) and its provider. Offers of one pair are one, with the highest score, the longest
 * `minMinutes` and the shortest `maxMinutes`.
 */
function pairKeyOf(o: { request: string; provider: string; alsoRequests?: string[]; alsoProviders?: string[] }): string {
  return [o.request, [...(o.alsoRequests ?? [])].sort().join('+'), o.provider, [...(o.alsoProviders ?? [])].sort().join('+')].join('\u0000');
}

interface PairLike {
  key: string;
  requests: string[];
  providers: string[];
  score: number;
  minMs: number;
  maxMs: number;
}

function pairsOf(instance: InstanceLike): Map<string, PairLike> {
  const pairs = new Map<string, PairLike>();
  for (const o of instance.offers) {
    const key = pairKeyOf(o);
    const known = pairs.get(key);
    const minMs = (o.minMinutes ?? 0) * 60_000;
    const maxMs = (o.maxMinutes ?? Infinity) * 60_000;
    if (known) {
      known.score = Math.max(known.score, o.score);
      known.minMs = Math.max(known.minMs, minMs);
      known.maxMs = Math.min(known.maxMs, maxMs);
    } else pairs.set(key, { key, requests: [o.request, ...(o.alsoRequests ?? [])], providers: [o.provider, ...(o.alsoProviders ?? [])], score: o.score, minMs, maxMs });
  }
  return pairs;
}

const WITH_RULES = 'marketplace-matching/2';

/** A meeting as the limits see it: its parties and its slot (for a fixed meeting, its times). */
interface LimitedMeeting {
  parties: Set<string>;
  slot: { id: string; start: string; end: string };
  fixed?: boolean;
}

/** The fixed meetings as the limits see them. */
function fixedLimited(instance: InstanceLike): LimitedMeeting[] {
  return (instance.fixedMeetings ?? []).map((f) => ({
    parties: new Set([f.requester, f.provider, ...(f.alsoProviders ?? [])]),
    slot: { id: `the fixed meeting ${f.requester}/${f.provider} at ${f.start}`, start: f.start, end: f.end },
    fixed: true,
  }));
}

/** The party's limit: the smallest its request and provider entries give, else the document's. */
function limitOf(instance: InstanceLike, party: string, field: keyof PartyLimits): number {
  const given = [...instance.requests, ...instance.providers]
    .filter((entry) => (entry.party ?? entry.id) === party && entry[field] !== undefined)
    .map((entry) => entry[field]!);
  if (given.length > 0) return Math.min(...given);
  return instance.rules?.[field] ?? Infinity;
}

/** The calendar date a slot starts on: in rules.timeZone, else as its start is written. */
function dateOf(instance: InstanceLike, start: string): string {
  const zone = instance.rules?.timeZone;
  if (!zone) return start.slice(0, 10);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    new Date(Date.parse(start)),
  );
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Every meeting limit the meetings break (none for a version 1 instance, which has no limits). */
export function findLimitViolations(instance: InstanceLike, meetings: readonly LimitedMeeting[]): string[] {
  if (instance.format !== WITH_RULES) return [];
  const problems: string[] = [];
  const byParty = new Map<string, LimitedMeeting[]>();
  for (const m of [...meetings, ...fixedLimited(instance)]) {
    for (const party of m.parties) byParty.set(party, [...(byParty.get(party) ?? []), m]);
  }
  for (const [party, ofParty] of byParty) {
    const cap = limitOf(instance, party, 'maxMeetingsPerDay');
    const perDate = new Map<string, { n: number; anyNew: boolean }>();
    for (const m of ofParty) {
      const date = dateOf(instance, m.slot.start);
      const count = perDate.get(date) ?? { n: 0, anyNew: false };
      perDate.set(date, { n: count.n + 1, anyNew: count.anyNew || !m.fixed });
    }
    for (const [date, { n, anyNew }] of perDate) if (n > cap && anyNew) problems.push(`party ${party}: ${n} meetings on ${date}, more than ${cap}`);
    const most = limitOf(instance, party, 'maxConsecutive');
    const sorted = [...ofParty].sort((a, b) => Date.parse(a.slot.start) - Date.parse(b.slot.start));
    let run = 1;
    let anyNew = sorted.length > 0 && !sorted[0]!.fixed;
    let reported = false;
    for (let i = 1; i < sorted.length; i++) {
      const touches = Date.parse(sorted[i]!.slot.start) === Date.parse(sorted[i - 1]!.slot.end);
      run = touches ? run + 1 : 1;
      anyNew = (touches && anyNew) || !sorted[i]!.fixed;
      if (!touches) reported = false;
      if (run > most && anyNew && !reported) {
        problems.push(`party ${party}: ${run} meetings back to back up to ${sorted[i]!.slot.id}, more than ${most}`);
        reported = true;
      }
    }
  }
  return problems;
}

export interface ResultLike {
  format: string;
  objective: number;
  meetings: { request: string; alsoRequests?: string[]; provider: string; alsoProviders?: string[]; slot: string; room: string; score: number }[];
  unscheduled: { request: string; alsoRequests?: string[]; provider: string; alsoProviders?: string[]; reason: string }[];
}

const overlap = (a: Interval, b: Interval) => a[0] < b[1] && b[0] < a[1];
const interval = ([start, end]: [string, string]): Interval => [Date.parse(start), Date.parse(end)];

/** Every rule the result breaks, as readable lines; empty when the result is feasible. */
export function findViolations(instance: InstanceLike, result: ResultLike): string[] {
  const problems: string[] = [];
  const format = instance.format === WITH_RULES ? 'marketplace-matching-result/2' : 'marketplace-matching-result/1';
  if (result.format !== format) problems.push(`format is ${result.format}, not ${format}`);
  const slotById = new Map(instance.slots.map((s) => [s.id, s]));
  const slotTime = new Map(instance.slots.map((s) => [s.id, interval([s.start, s.end])]));
  const rooms = new Map(instance.rooms.map((r) => [r.id, r]));
  const requests = new Map(instance.requests.map((r) => [r.id, r]));
  const providers = new Map(instance.providers.map((p) => [p.id, p]));
  const pairs = pairsOf(instance);
  const pairsSeen = new Set<string>();
  const perRequest = new Map<string, number>();
  const perProvider = new Map<string, number>();
  const byParty = new Map<string, Interval[]>();
  const byRoom = new Map<string, Interval[]>();
  const limited: LimitedMeeting[] = [];
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
    const key = pairKeyOf(m);
    const pair = pairs.get(key);
    if (pair === undefined) problems.push(`${where}: not an offer`);
    else {
      if (pair.score !== m.score) problems.push(`${where}: score ${m.score} but the offer says ${pair.score}`);
      if (time[1] - time[0] < pair.minMs || time[1] - time[0] > pair.maxMs) problems.push(`${where}: slot of ${(time[1] - time[0]) / 60_000} minutes`);
    }
    if (pairsSeen.has(key)) problems.push(`${where}: pair meets twice`);
    pairsSeen.add(key);
    const served = [m.request, ...(m.alsoRequests ?? [])].map((id) => requests.get(id));
    for (const r of served) {
      if (!r) {
        problems.push(`${where}: unknown id`);
        continue;
      }
      perRequest.set(r.id, (perRequest.get(r.id) ?? 0) + 1);
      for (const busy of r.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: request busy${r.id === m.request ? '' : ` (${r.id})`}`);
    }
    const inMeeting = [m.provider, ...(m.alsoProviders ?? [])].map((id) => providers.get(id));
    for (const p of inMeeting) {
      if (!p) {
        problems.push(`${where}: unknown id`);
        continue;
      }
      perProvider.set(p.id, (perProvider.get(p.id) ?? 0) + 1);
      for (const busy of p.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: provider busy${p.id === m.provider ? '' : ` (${p.id})`}`);
    }
    const meetingParties = new Set([request.party ?? request.id, ...inMeeting.flatMap((p) => (p ? [p.party ?? p.id] : []))]);
    for (const party of meetingParties) {
      for (const f of instance.fixedMeetings ?? []) {
        if ([f.requester, f.provider, ...(f.alsoProviders ?? [])].includes(party) && overlap(interval([f.start, f.end]), time)) {
          problems.push(`${where}: party ${party} is in a fixed meeting then`);
        }
      }
      const booked = byParty.get(party) ?? [];
      if (booked.some((b) => overlap(b, time))) problems.push(`${where}: party ${party} double-booked`);
      byParty.set(party, [...booked, time]);
    }
    for (const busy of rooms.get(m.room)!.busy ?? []) if (overlap(interval(busy), time)) problems.push(`${where}: room busy`);
    const inRoom = byRoom.get(m.room) ?? [];
    if (inRoom.some((b) => overlap(b, time))) problems.push(`${where}: room double-booked`);
    byRoom.set(m.room, [...inRoom, time]);
    limited.push({ parties: meetingParties, slot: slotById.get(m.slot)! });
    total += m.score;
  }
  problems.push(...findLimitViolations(instance, limited));
  for (const [id, n] of perRequest) if (n > requests.get(id)!.maxMatches) problems.push(`request ${id}: ${n} meetings`);
  for (const [id, n] of perProvider) if (n > providers.get(id)!.capacity) problems.push(`provider ${id}: ${n} meetings`);
  if (Math.abs(total - result.objective) > 1e-9 * Math.max(1, total)) {
    problems.push(`objective ${result.objective} but meetings sum to ${total}`);
  }
  for (const u of result.unscheduled) {
    const key = pairKeyOf(u);
    if (!pairs.has(key)) problems.push(`unscheduled ${u.request}/${u.provider}: not an offer`);
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
  return bruteForceBest(instance).score;
}

/**
 * The best schedule's served requesters and score by enumeration: with `rules.fairness` (version
 * 2), the most requesting parties served first, then the highest score; else the highest score.
 */
export function bruteForceBest(instance: InstanceLike): { served: number; score: number } {
  const fairness = instance.format === WITH_RULES && instance.rules?.fairness === true;
  const pairs = [...pairsOf(instance).values()].map((p) => ({
    request: instance.requests.find((r) => r.id === p.requests[0])!,
    served: p.requests.map((id) => instance.requests.find((r) => r.id === id)!),
    provider: instance.providers.find((q) => q.id === p.providers[0])!,
    inMeeting: p.providers.map((id) => instance.providers.find((q) => q.id === id)!),
    score: p.score,
    minMs: p.minMs,
    maxMs: p.maxMs,
  }));
  const slots = instance.slots.map((s) => interval([s.start, s.end]));
  const partyOf = (entry: { id: string; party?: string }) => entry.party ?? entry.id;
  let best = 0;
  let bestServed = 0;
  const choice: number[] = [];
  const feasible = (): boolean => {
    const chosen = pairs.flatMap((p, i) => (choice[i]! >= 0 ? [{ ...p, time: slots[choice[i]!]! }] : []));
    for (const c of chosen) {
      if (c.time[1] - c.time[0] < c.minMs || c.time[1] - c.time[0] > c.maxMs) return false;
      if ([...c.served.flatMap((r) => r.busy ?? []), ...c.inMeeting.flatMap((p) => p.busy ?? [])].some((b) => overlap(interval(b), c.time))) return false;
      const parties = [partyOf(c.request), ...c.inMeeting.map(partyOf)];
      const fixed = (instance.fixedMeetings ?? []).filter((f) => [f.requester, f.provider, ...(f.alsoProviders ?? [])].some((party) => parties.includes(party)));
      if (fixed.some((f) => overlap(interval([f.start, f.end]), c.time))) return false;
    }
    const perRequest = new Map<string, number>();
    for (const c of chosen) for (const r of c.served) perRequest.set(r.id, (perRequest.get(r.id) ?? 0) + 1);
    for (const [id, n] of perRequest) if (n > instance.requests.find((r) => r.id === id)!.maxMatches) return false;
    const perProvider = new Map<string, number>();
    for (const c of chosen) for (const p of c.inMeeting) perProvider.set(p.id, (perProvider.get(p.id) ?? 0) + 1);
    for (const [id, n] of perProvider) if (n > instance.providers.find((p) => p.id === id)!.capacity) return false;
    for (let a = 0; a < chosen.length; a++) {
      for (let b = a + 1; b < chosen.length; b++) {
        const x = chosen[a]!;
        const y = chosen[b]!;
        if (!overlap(x.time, y.time)) continue;
        const px = new Set([partyOf(x.request), ...x.inMeeting.map(partyOf)]);
        if ([partyOf(y.request), ...y.inMeeting.map(partyOf)].some((party) => px.has(party))) return false;
      }
    }
    const limited = pairs.flatMap((p, i) =>
      choice[i]! >= 0 ? [{ parties: new Set([partyOf(p.request), ...p.inMeeting.map(partyOf)]), slot: instance.slots[choice[i]!]! }] : [],
    );
    if (findLimitViolations(instance, limited).length > 0) return false;
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
      const served = fairness
        ? new Set([
            ...pairs.flatMap((p, k) => (choice[k]! >= 0 ? [partyOf(p.request)] : [])),
            ...(instance.fixedMeetings ?? []).map((f) => f.requester),
          ]).size
        : 0;
      if ((served > bestServed || (served === bestServed && score > best)) && feasible()) {
        best = score;
        bestServed = served;
      }
      return;
    }
    for (let s = -1; s < slots.length; s++) {
      choice[i] = s;
      visit(i + 1, s >= 0 ? score + pairs[i]!.score : score);
    }
  };
  visit(0, 0);
  return { served: bestServed, score: best };
}
