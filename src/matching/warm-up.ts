/**
 * A small instance that takes the optimizer through the paths a matching run takes: version 2 rules
 * (fairness, a back-to-back limit), joint offers of an hour beside the half-hour ones (so the
 * time-free matching is solved with 0/1 columns), and few enough pairs for the exact MILP. The
 * optimizer's thread solves it once as it starts (solve-worker.ts): HiGHS's WebAssembly is compiled
 * lazily, function by function, as it is first called, and the first run of a fresh thread paid for
 * that in its solves (about 0.8 s of a 1.0 s time-free matching at fifty times a forum, on a slow
 * machine; BENCHMARKS.md).
 */
import { generateInstance } from './generate.ts';
import { INSTANCE_FORMAT_WITH_RULES, type Instance } from './instance.schema.ts';

export function warmUpInstance(): Instance {
  const base = generateInstance({ offers: 300, tightness: 'loose', seed: 20070710 });
  // Hour-long slots over two back-to-back half hours, for the joint meetings.
  const hours = base.slots.slice(0, -1).flatMap((slot, i) => {
    const next = base.slots[i + 1]!;
    return Date.parse(next.start) === Date.parse(slot.end) ? [{ id: `${slot.id}+hour`, start: slot.start, end: next.end }] : [];
  });
  // A provider that offered two requests of one government also offers them together, for an hour.
  const partyOf = new Map(base.requests.map((r) => [r.id, r.party]));
  const firstOffer = new Map<string, (typeof base.offers)[number]>();
  const joint: Instance['offers'] = [];
  for (const offer of base.offers) {
    const key = `${offer.provider}|${partyOf.get(offer.request)}`;
    const earlier = firstOffer.get(key);
    if (!earlier) firstOffer.set(key, offer);
    else if (earlier.request !== offer.request && joint.length < 40) joint.push({ request: earlier.request, alsoRequests: [offer.request], minMinutes: 60, maxMinutes: 60, provider: offer.provider, score: earlier.score + offer.score });
  }
  return {
    ...base,
    format: INSTANCE_FORMAT_WITH_RULES,
    rules: { fairness: true, timeZone: 'Europe/Brussels', maxConsecutive: 3 },
    slots: [...base.slots, ...hours],
    offers: [...base.offers, ...joint],
  };
}
