/**
 * The public matching formats: `marketplace-matching/1` (instance) and
 * `marketplace-matching-result/1` (result), described in docs/instance-format.md, with our
 * backward-compatible extension `rooms[].busy`, and our version 2 (`marketplace-matching/2`, its
 * result `marketplace-matching-result/2`): version 1 plus `rules` (meeting limits per party),
 * per-party overrides of them, `fixedMeetings` (meetings kept from an earlier run, which count
 * toward the limits and fairness) and offers that cover several requests of one party in one
 * meeting of a minimum length (`alsoRequests`, `minMinutes`; docs/matching-format.md). A version 1 document may not carry them,
 * so that it means exactly what it meant before and a tool that knows only version 1 is never
 * handed rules it would silently ignore.
 *
 * `parseInstance` validates untrusted JSON and reports the first bad path in document order,
 * e.g. `offers[3].score: must be a finite number > 0`.
 */
import { z } from 'zod';
import { isValidTimeZone } from '../shared/time.ts';

export const INSTANCE_FORMAT = 'marketplace-matching/1';
export const RESULT_FORMAT = 'marketplace-matching-result/1';
/** Version 2: version 1 plus `rules` and the per-party limits (docs/matching-format.md). */
export const INSTANCE_FORMAT_WITH_RULES = 'marketplace-matching/2';
export const RESULT_FORMAT_WITH_RULES = 'marketplace-matching-result/2';

/** A zod error option that says "is required" for a missing value and `must be <what>` otherwise. */
function mustBe(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
  };
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Milliseconds since the epoch of an ISO 8601 date-time with a `Z` or `±hh:mm` offset,
 * or undefined when the text is not one (no offset, impossible date, out-of-range field).
 */
export function parseInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)); // finer digits are dropped
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

const instant = z
  .string(mustBe('an ISO 8601 date-time with an offset'))
  .refine((text) => parseInstant(text) !== undefined, {
    error: 'must be an ISO 8601 date-time with an offset, e.g. 2007-07-10T15:00:00+02:00',
  });

const id = z.string(mustBe('a non-empty string')).min(1, { error: 'must be a non-empty string' });
const wholeNumber = z
  .number(mustBe('a whole number >= 0'))
  .int({ error: 'must be a whole number >= 0' })
  .min(0, { error: 'must be a whole number >= 0' });

/** A half-open `[start, end)` interval; the end must come after the start. */
const busyInterval = z
  .tuple([instant, instant], mustBe('a [start, end] pair of date-times'))
  .refine(([start, end]) => isBefore(start, end), { error: 'end must be after start' });

function isBefore(start: string, end: string): boolean {
  const s = parseInstant(start);
  const e = parseInstant(end);
  return s === undefined || e === undefined || s < e; // a bad time is reported on its own path
}

const slotSchema = z
  .object(
    {
      id,
      start: instant,
      end: instant,
    },
    mustBe('an object'),
  )
  .refine((slot) => isBefore(slot.start, slot.end), { error: 'must be after start', path: ['end'] });

/** A list of busy intervals; absent means always free. */
const busyList = z.array(busyInterval, mustBe('a list of [start, end] pairs')).default([]);

/**
 * `busy` on rooms is our extension of the public format (docs/matching-format.md): the times a
 * room is taken, e.g. by meetings kept from an earlier run. Absent means free throughout.
 */
const roomSchema = z.object({ id, busy: busyList }, mustBe('an object'));

const party = z.string(mustBe('a non-empty string')).min(1, { error: 'must be a non-empty string' });

/** A meeting limit of version 2: a whole number >= 1 (no limit is said by leaving it out). */
const meetingLimit = z
  .number(mustBe('a whole number >= 1'))
  .int({ error: 'must be a whole number >= 1' })
  .min(1, { error: 'must be a whole number >= 1' });

/** The per-party limits a request or provider entry may carry (version 2): they override `rules`. */
const partyLimits = {
  maxMeetingsPerDay: meetingLimit.optional(),
  maxConsecutive: meetingLimit.optional(),
};

const requestSchema = z.object(
  {
    id,
    maxMatches: wholeNumber,
    busy: busyList,
    party: party.optional(),
    ...partyLimits,
  },
  mustBe('an object'),
);

const providerSchema = z.object(
  {
    id,
    capacity: wholeNumber,
    busy: busyList,
    party: party.optional(),
    ...partyLimits,
  },
  mustBe('an object'),
);

/**
 * The document's rules (version 2, docs/matching-format.md): limits for every party unless its
 * entries override them. Strict, so that a misspelt rule is refused rather than ignored.
 */
const rulesSchema = z.strictObject(
  {
    maxMeetingsPerDay: meetingLimit.optional(),
    maxConsecutive: meetingLimit.optional(),
    timeZone: z
      .string(mustBe('an IANA time zone, e.g. "Europe/Brussels"'))
      .refine(isValidTimeZone, { error: 'must be an IANA time zone, e.g. "Europe/Brussels"' })
      .optional(),
    fairness: z.boolean(mustBe('true or false')).optional(),
  },
  {
    error: (issue: { code?: string; input?: unknown; keys?: string[] }) =>
      issue.code === 'unrecognized_keys' ? `unknown rule ${issue.keys?.map((k) => `"${k}"`).join(', ')}` : 'must be an object',
  },
);

/**
 * A meeting already fixed (version 2), e.g. kept from an earlier run: the optimizer does not move
 * it, but it is a meeting of both parties (`party ?? id` names, docs/matching-format.md): busy time
 * for every entry of each, one of its meetings that day and in its runs, and for `requester` a
 * meeting as requester (fairness).
 */
const fixedMeetingSchema = z
  .object({ requester: party, provider: party, alsoProviders: z.array(party, mustBe('a list of parties')).optional(), start: instant, end: instant }, mustBe('an object'))
  .refine((meeting) => isBefore(meeting.start, meeting.end), { error: 'must be after start', path: ['end'] });

const offerSchema = z.object(
  {
    request: id,
    provider: id,
    score: z
      .number(mustBe('a finite number > 0'))
      .gt(0, { error: 'must be a finite number > 0' }),
    /**
     * Version 2: other requests of the same party that this meeting also serves (one meeting of
     * two organizations covering every request they match on). It takes one of each one's maxMatches.
     */
    alsoRequests: z.array(id, mustBe('a list of request ids')).optional(),
    /** Version 2: other providers that meet the requester together with `provider` (they answered jointly); each gives one of its capacity. */
    alsoProviders: z.array(id, mustBe('a list of provider ids')).optional(),
    /** Version 2: the meeting needs a slot at least this many minutes long, and at most `maxMinutes`. */
    minMinutes: meetingLimit.optional(),
    maxMinutes: meetingLimit.optional(),
  },
  mustBe('an object'),
);

type Issue = { path: PropertyKey[]; message: string };

/** Adds an issue for every id that repeats an earlier id in the same list. */
function findDuplicateIds(list: string, items: unknown, issues: Issue[]): Set<string> {
  const seen = new Map<string, number>();
  if (!Array.isArray(items)) return new Set();
  items.forEach((item: unknown, index) => {
    const itemId = (item as { id?: unknown } | null)?.id;
    if (typeof itemId !== 'string') return;
    const first = seen.get(itemId);
    if (first === undefined) seen.set(itemId, index);
    else issues.push({ path: [list, index, 'id'], message: `duplicate id "${itemId}" (also ${list}[${first}])` });
  });
  return new Set(seen.keys());
}

/**
 * The issues of an offer's `alsoRequests` or `alsoProviders`: an id that is unknown, the offer's own
 * (`own`), repeated, or that `refuse` refuses (another party's request).
 */
function findAlsoIssues(
  path: PropertyKey[],
  kind: 'request' | 'provider',
  own: unknown,
  list: unknown,
  known: Set<string>,
  issues: Issue[],
  refuse: (id: string) => string | undefined = () => undefined,
): void {
  if (!Array.isArray(list) || typeof own !== 'string') return;
  const seen = new Set([own]);
  list.forEach((other: unknown, at) => {
    if (typeof other !== 'string' || other === '') return;
    const where = [...path, at];
    const refusal = !known.has(other) ? `unknown ${kind} id "${other}"` : seen.has(other) ? `repeats ${kind} "${other}"` : refuse(other);
    if (refusal) issues.push({ path: where, message: refusal });
    seen.add(other);
  });
}

/** In a version 1 document, an issue for each field that only version 2 has. */
function findVersion2Fields(
  instance: { rules?: unknown; fixedMeetings?: unknown; requests?: unknown; providers?: unknown; offers?: unknown },
  issues: Issue[],
): void {
  const needs = `needs "format": "${INSTANCE_FORMAT_WITH_RULES}"`;
  if (instance.rules !== undefined) issues.push({ path: ['rules'], message: needs });
  if (instance.fixedMeetings !== undefined) issues.push({ path: ['fixedMeetings'], message: needs });
  if (Array.isArray(instance.offers)) {
    instance.offers.forEach((offer: unknown, index) => {
      for (const field of ['alsoRequests', 'alsoProviders', 'minMinutes', 'maxMinutes']) {
        if ((offer as Record<string, unknown> | null)?.[field] !== undefined) issues.push({ path: ['offers', index, field], message: needs });
      }
    });
  }
  for (const list of ['requests', 'providers'] as const) {
    const items = instance[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item: unknown, index) => {
      for (const field of Object.keys(partyLimits)) {
        if ((item as Record<string, unknown> | null)?.[field] !== undefined) issues.push({ path: [list, index, field], message: needs });
      }
    });
  }
}

export const instanceSchema = z
  .object(
    {
      format: z.enum(
        [INSTANCE_FORMAT, INSTANCE_FORMAT_WITH_RULES],
        mustBe(`"${INSTANCE_FORMAT}" or "${INSTANCE_FORMAT_WITH_RULES}"`),
      ),
      rules: rulesSchema.optional(),
      slots: z.array(slotSchema, mustBe('a list')),
      rooms: z.array(roomSchema, mustBe('a list')),
      requests: z.array(requestSchema, mustBe('a list')),
      providers: z.array(providerSchema, mustBe('a list')),
      offers: z.array(offerSchema, mustBe('a list')),
      fixedMeetings: z.array(fixedMeetingSchema, mustBe('a list')).optional(),
    },
    mustBe('a JSON object'),
  )
  .superRefine((instance, ctx) => {
    // Zod runs this even when parts are malformed, so every access is guarded.
    const issues: Issue[] = [];
    findDuplicateIds('slots', instance.slots, issues);
    findDuplicateIds('rooms', instance.rooms, issues);
    const requestIds = findDuplicateIds('requests', instance.requests, issues);
    const providerIds = findDuplicateIds('providers', instance.providers, issues);
    if (instance.format === INSTANCE_FORMAT) findVersion2Fields(instance, issues);
    const partyOfRequest = new Map<string, string>();
    if (Array.isArray(instance.requests)) {
      for (const r of instance.requests as unknown[]) {
        const { id: requestId, party: requestParty } = (r ?? {}) as { id?: unknown; party?: unknown };
        if (typeof requestId === 'string' && !partyOfRequest.has(requestId)) partyOfRequest.set(requestId, typeof requestParty === 'string' ? requestParty : requestId);
      }
    }
    if (Array.isArray(instance.offers)) {
      instance.offers.forEach((offer: unknown, index) => {
        const { request, provider, alsoRequests, alsoProviders } = (offer ?? {}) as { request?: unknown; provider?: unknown; alsoRequests?: unknown; alsoProviders?: unknown };
        findAlsoIssues(['offers', index, 'alsoProviders'], 'provider', provider, alsoProviders, providerIds, issues);
        if (typeof request === 'string' && request !== '' && !requestIds.has(request)) {
          issues.push({ path: ['offers', index, 'request'], message: `unknown request id "${request}"` });
        }
        if (typeof provider === 'string' && provider !== '' && !providerIds.has(provider)) {
          issues.push({ path: ['offers', index, 'provider'], message: `unknown provider id "${provider}"` });
        }
        const party = typeof request === 'string' ? partyOfRequest.get(request) : undefined;
        findAlsoIssues(['offers', index, 'alsoRequests'], 'request', request, alsoRequests, requestIds, issues, (other) =>
          party !== undefined && partyOfRequest.get(other) !== party ? `request "${other}" is of party "${partyOfRequest.get(other)}", not "${party}" like offers[${index}].request` : undefined,
        );
      });
    }
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type Instance = z.output<typeof instanceSchema>;
export type Slot = Instance['slots'][number];
export type Room = Instance['rooms'][number];
export type MatchRequest = Instance['requests'][number];
export type Provider = Instance['providers'][number];
export type Offer = Instance['offers'][number];
export type Rules = NonNullable<Instance['rules']>;
export type FixedMeeting = NonNullable<Instance['fixedMeetings']>[number];

export const SOLVE_METHODS = ['milp-highs', 'flow+local-search', 'greedy'] as const;
export type SolveMethod = (typeof SOLVE_METHODS)[number];

const finiteNumber = z.number(mustBe('a finite number'));

export const resultSchema = z.object(
  {
    format: z.enum([RESULT_FORMAT, RESULT_FORMAT_WITH_RULES], mustBe(`"${RESULT_FORMAT}" or "${RESULT_FORMAT_WITH_RULES}"`)),
    objective: finiteNumber,
    meetings: z.array(
      z.object({ request: id, alsoRequests: z.array(id, mustBe('a list')).optional(), provider: id, alsoProviders: z.array(id, mustBe('a list')).optional(), slot: id, room: id, score: finiteNumber }, mustBe('an object')),
      mustBe('a list'),
    ),
    unscheduled: z.array(
      z.object({ request: id, alsoRequests: z.array(id, mustBe('a list')).optional(), provider: id, alsoProviders: z.array(id, mustBe('a list')).optional(), reason: z.string(mustBe('a string')) }, mustBe('an object')),
      mustBe('a list'),
    ),
    stats: z.object(
      {
        offers: wholeNumber,
        seconds: finiteNumber.min(0, { error: 'must be >= 0' }),
        method: z.enum(SOLVE_METHODS, mustBe(SOLVE_METHODS.map((m) => `"${m}"`).join(' or '))),
        bound: finiteNumber.optional(),
        gap: finiteNumber.optional(),
        stoppedOnTimeLimit: z.boolean(mustBe('true or false')).optional(),
      },
      mustBe('an object'),
    ),
  },
  mustBe('a JSON object'),
);

export type MatchingResult = z.output<typeof resultSchema>;
export type Meeting = MatchingResult['meetings'][number];
export type UnscheduledPair = MatchingResult['unscheduled'][number];
export type SolveStats = MatchingResult['stats'];

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** `offers[3].score`, or `instance` for the document itself. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? 'instance' : text;
}

/**
 * Orders two issue paths as their places in the JSON document: array positions by index,
 * object keys by where the key appears in the input (a missing key sorts after present ones).
 */
function compareDocumentOrder(input: unknown, a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  let node: unknown = input;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ka = a[i];
    const kb = b[i];
    if (ka !== kb) {
      if (typeof ka === 'number' && typeof kb === 'number') return ka - kb;
      const keys = node !== null && typeof node === 'object' ? Object.keys(node) : [];
      const rank = (key: PropertyKey | undefined) => {
        const at = keys.indexOf(String(key));
        return at === -1 ? keys.length : at;
      };
      return rank(ka) - rank(kb);
    }
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[String(ka)] : undefined;
  }
  return a.length - b.length;
}

function firstIssueMessage(input: unknown, issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const first = [...issues].sort((x, y) => compareDocumentOrder(input, x.path, y.path))[0];
  return first ? `${formatPath(first.path)}: ${first.message}` : 'instance: is not valid';
}

export function parseInstance(json: unknown): { ok: true; instance: Instance } | { ok: false; message: string } {
  const parsed = instanceSchema.safeParse(json);
  if (parsed.success) return { ok: true, instance: parsed.data };
  return { ok: false, message: firstIssueMessage(json, parsed.error.issues) };
}

export function parseResult(json: unknown): ParseOutcome<MatchingResult> {
  const parsed = resultSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: firstIssueMessage(json, parsed.error.issues) };
}
