import { describe, expect, it } from 'vitest';
import { buildMatchingInstance, type InstanceInput, type RequestInput, type ResponseInput } from '../../src/meetings/matching-instance.ts';
import { parseInstance } from '../../src/matching/instance.schema.ts';
import { solveMatching } from '../../src/matching/optimizer.ts';

/**
 * The instance a re-run builds: the meetings it keeps count toward the marketplace's limits, so a
 * re-run never gives an organization more than its meetings a day, nor a run without a break through
 * a kept meeting.
 */
const request = (id: string, organizationId: string, maxMatches = 3): RequestInput => ({ id, organizationId, category: 'training', themes: [], countries: ['BD'], languages: ['en'], maxMatches });
const response = (id: string, requestId: string, organizationId: string): ResponseInput => ({
  id,
  requestId,
  organizationId,
  organizationCountry: null,
  offerCategories: ['training'],
  languages: ['en'],
  modality: 'in_person',
  funding: 'provider_covers',
  preferred: false,
});
const at = (time: string) => new Date(`2027-07-10T${time}:00+02:00`);

function rerun(limits: { maxMeetingsPerDay?: number | null; breakAfter?: number | null }): InstanceInput {
  return {
    marketplace: { timeZone: 'Europe/Brussels', forumStartsOn: '2027-07-10', forumEndsOn: '2027-07-10', meetingMinutes: 30, dayStarts: '09:00', dayEnds: '11:00', sessionCodes: [], ...limits },
    roomIds: ['room-a', 'room-b'],
    requests: [request('bd-1', 'bd'), request('bd-2', 'bd'), request('mx-1', 'mx')],
    responses: [response('ilo-bd-1', 'bd-1', 'ilo'), response('ilo-bd-2', 'bd-2', 'ilo'), response('ilo-mx-1', 'mx-1', 'ilo')],
    busy: [],
    sessionCodesByOrganization: new Map(),
    capacityByOrganization: new Map(),
    // ILO already meets Bangladesh at 09:30 (a meeting the run keeps).
    kept: [{ responseId: 'ilo-bd-1', requestId: 'bd-1', requesterOrgId: 'bd', providerOrgId: 'ilo', roomId: 'room-a', startsAt: at('09:30'), endsAt: at('10:00') }],
  };
}

async function newMeetingsOfIlo(input: InstanceInput) {
  const { instance } = buildMatchingInstance(input);
  // What the service builds is a valid version 2 document.
  const parsed = parseInstance(JSON.parse(JSON.stringify(instance)));
  if (!parsed.ok) throw new Error(parsed.message);
  const result = await solveMatching(parsed.instance, { method: 'milp' });
  return { instance, meetings: result.meetings.filter((m) => m.provider === 'ilo') };
}

describe('the instance of a re-run', () => {
  it('lists the kept meetings as fixed meetings of both organizations, with fairness and the limits in the marketplace zone', async () => {
    const { instance } = buildMatchingInstance(rerun({ maxMeetingsPerDay: 2, breakAfter: 1 }));
    expect(instance.format).toBe('marketplace-matching/2');
    expect(instance.rules).toEqual({ fairness: true, timeZone: 'Europe/Brussels', maxMeetingsPerDay: 2, maxConsecutive: 1 });
    expect(instance.fixedMeetings).toEqual([{ requester: 'bd', provider: 'ilo', start: '2027-07-10T07:30:00.000Z', end: '2027-07-10T08:00:00.000Z' }]);
    // The kept pair is no longer offered.
    expect(instance.offers.map((o) => `${o.request}|${o.provider}`).sort()).toEqual(['bd-2|ilo', 'mx-1|ilo']);
  });

  it('a kept meeting counts toward the daily cap: with two a day, ILO gets one new meeting, not two', async () => {
    expect((await newMeetingsOfIlo(rerun({}))).meetings).toHaveLength(2);
    expect((await newMeetingsOfIlo(rerun({ maxMeetingsPerDay: 2 }))).meetings).toHaveLength(1);
  });

  it('a kept meeting is part of a run: with a break after one, no new meeting of ILO touches it', async () => {
    const { meetings, instance } = await newMeetingsOfIlo(rerun({ breakAfter: 1 }));
    expect(meetings.length).toBeGreaterThan(0);
    const slot = new Map(instance.slots.map((s) => [s.id, s]));
    const touching = meetings.filter((m) => Date.parse(slot.get(m.slot)!.end) === at('09:30').getTime() || Date.parse(slot.get(m.slot)!.start) === at('10:00').getTime());
    expect(touching).toEqual([]);
  });
});

describe('joint meetings in the instance', () => {
  const input = (responses: ResponseInput[], kept: InstanceInput['kept'] = []): InstanceInput => ({
    marketplace: { timeZone: 'Europe/Brussels', forumStartsOn: '2027-07-10', forumEndsOn: '2027-07-10', meetingMinutes: 30, dayStarts: '09:00', dayEnds: '11:00', sessionCodes: [] },
    roomIds: ['room-a'],
    requests: [request('bd-1', 'bd'), request('bd-2', 'bd'), request('mx-1', 'mx', 1)],
    responses,
    busy: [],
    sessionCodesByOrganization: new Map(),
    capacityByOrganization: new Map(),
    kept,
  });
  const jointly = (r: ResponseInput, withOrganization: string): ResponseInput => ({ ...r, jointWith: withOrganization });

  it('one provider answering two requests of a government: one offer about both, an hour long, besides hour-long slots', () => {
    const { instance, alsoByPair } = buildMatchingInstance(input([response('ilo-bd-1', 'bd-1', 'ilo'), response('ilo-bd-2', 'bd-2', 'ilo'), response('ilo-mx-1', 'mx-1', 'ilo')]));
    expect(instance.offers.map(({ score: _, ...o }) => o)).toEqual([
      { request: 'bd-1', alsoRequests: ['bd-2'], provider: 'ilo', minMinutes: 60, maxMinutes: 60 },
      { request: 'mx-1', provider: 'ilo', maxMinutes: 30 },
    ]);
    expect(instance.slots.filter((s) => s.id.endsWith('+2')).map((s) => s.id)).toEqual(['2027-07-10T09:00+2', '2027-07-10T09:30+2', '2027-07-10T10:00+2']);
    expect(alsoByPair.get('bd-1|ilo')).toEqual([{ requestId: 'bd-2', responseId: 'ilo-bd-2' }]);
  });

  it('two providers that name each other on both requests: one offer with both providers about both requests; one that is not named back stays alone', () => {
    const responses = [
      jointly(response('undp-bd-1', 'bd-1', 'undp'), 'unicef'),
      jointly(response('unicef-bd-1', 'bd-1', 'unicef'), 'undp'),
      jointly(response('undp-bd-2', 'bd-2', 'undp'), 'unicef'),
      jointly(response('unicef-bd-2', 'bd-2', 'unicef'), 'undp'),
      // IOM names UNDP, which does not name it back.
      jointly(response('iom-mx-1', 'mx-1', 'iom'), 'undp'),
      response('undp-mx-1', 'mx-1', 'undp'),
    ];
    const { instance, alsoByPair } = buildMatchingInstance(input(responses));
    expect(instance.offers.map(({ score: _, ...o }) => o)).toEqual([
      { request: 'bd-1', alsoRequests: ['bd-2'], minMinutes: 60, maxMinutes: 60, provider: 'undp', alsoProviders: ['unicef'] },
      { request: 'mx-1', provider: 'iom', maxMinutes: 30 },
      { request: 'mx-1', provider: 'undp', maxMinutes: 30 },
    ]);
    expect(alsoByPair.get('bd-1|undp')).toEqual([
      { requestId: 'bd-2', responseId: 'undp-bd-2', organizationId: 'undp' },
      { requestId: 'bd-1', responseId: 'unicef-bd-1', organizationId: 'unicef' },
      { requestId: 'bd-2', responseId: 'unicef-bd-2', organizationId: 'unicef' },
    ]);
    // Offered apart (the run's second solve), each provider meets the government once, about both requests.
    const apart = buildMatchingInstance({ ...input(responses), separately: new Set(['together|bd|undp|unicef']) });
    expect(apart.instance.offers.filter((o) => o.request === 'bd-1').map((o) => [o.provider, o.alsoRequests, o.alsoProviders])).toEqual([
      ['undp', ['bd-2'], undefined],
      ['unicef', ['bd-2'], undefined],
    ]);
  });

  it('a kept joint meeting takes one of each request it serves and one of the partner capacity, and its time from the partner', () => {
    const kept = [
      {
        responseId: 'undp-bd-1',
        requestId: 'bd-1',
        alsoFor: [{ requestId: 'bd-1', responseId: 'unicef-bd-1', organizationId: 'unicef' }],
        requesterOrgId: 'bd',
        providerOrgId: 'undp',
        roomId: 'room-a',
        startsAt: at('09:00'),
        endsAt: at('09:30'),
      },
    ];
    const { instance } = buildMatchingInstance({ ...input([response('undp-bd-1', 'bd-1', 'undp'), response('unicef-bd-1', 'bd-1', 'unicef'), response('unicef-mx-1', 'mx-1', 'unicef')], kept), capacityByOrganization: new Map([['unicef', 2]]) });
    expect(instance.offers.map((o) => `${o.request}|${o.provider}`)).toEqual(['mx-1|unicef']);
    expect(instance.providers.find((p) => p.id === 'unicef')).toMatchObject({ capacity: 1, busy: [['2027-07-10T07:00:00.000Z', '2027-07-10T07:30:00.000Z']] });
    expect(instance.requests.find((r) => r.id === 'bd-1')!.maxMatches).toBe(2);
    // And it is one of UNICEF's meetings that day, toward its daily cap and its runs.
    expect(instance.fixedMeetings).toEqual([{ requester: 'bd', provider: 'undp', alsoProviders: ['unicef'], start: '2027-07-10T07:00:00.000Z', end: '2027-07-10T07:30:00.000Z' }]);
  });
});
