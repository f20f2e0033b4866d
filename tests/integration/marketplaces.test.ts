import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';

const t = useTestEnvironment({ cast: ['organizer', 'ilo', 'iom'] });

const brussels = {
  slug: 'gfmd-2007',
  name: 'GFMD 2007 Brussels',
  timeZone: 'Europe/Brussels',
  opensAt: '2007-05-18',
  responseDeadline: '2007-06-20',
  forumStartsAt: '2007-07-09',
  forumEndsAt: '2007-07-11',
  meetingMinutes: 30,
  rooms: ['Room A', 'Room B'],
  sessions: [
    {
      code: '1.2',
      title: 'Temporary labour migration as a contribution to development: sharing responsibility',
      startsAt: '2007-07-10T15:00',
      endsAt: '2007-07-10T18:00',
      roles: [{ organization: 'International Labour Organization (ILO)', role: 'rapporteur' }],
    },
  ],
};

/** The agenda's rows as the marketplace form sends them: parallel fields, one per column, with the spare empty rows. */
function agendaRows(sessions: string[][], roles: string[][]): Record<string, string[]> {
  const column = (rows: string[][], i: number, spare: number) => [...rows.map((r) => r[i]!), ...Array.from({ length: spare }, () => '')];
  return {
    sessionCode: column(sessions, 0, 2),
    sessionTitle: column(sessions, 1, 2),
    sessionDate: column(sessions, 2, 2),
    sessionStart: column(sessions, 3, 2),
    sessionEnd: column(sessions, 4, 2),
    roleSession: column(roles, 0, 3),
    roleOrganization: column(roles, 1, 3),
    roleKind: column(roles, 2, 3),
    roleNote: column(roles, 3, 3),
  };
}

/** The edit form's fields for the Brussels edition as `brussels` makes it (without the agenda's rows). */
function brusselsForm(slug: string): Record<string, string> {
  return {
    name: 'GFMD 2007 Brussels',
    slug,
    timeZone: 'Europe/Brussels',
    opensAtDate: '2007-05-18',
    opensAtTime: '00:00',
    responseDeadlineDate: '2007-06-20',
    responseDeadlineTime: '17:00',
    forumStartsAt: '2007-07-09',
    forumEndsAt: '2007-07-11',
    meetingMinutes: '30',
    sideMeetingsFrom: '09:00',
    sideMeetingsUntil: '18:00',
    rooms: 'Room A\nRoom B',
  };
}

/** The Brussels edition under its own address, created through the API: each test edits one of its own. */
async function brusselsEdition(slug: string): Promise<string> {
  const created = await t.api('POST', '/api/v1/marketplaces', { token: t.people.organizer.token, body: { ...brussels, slug } });
  expect(created.status).toBe(201);
  return slug;
}

describe('marketplaces', () => {
  it('an organizer creates an edition; a deadline given as a date is 17:00 local, stored as an instant', async () => {
    const response = await t.api('POST', '/api/v1/marketplaces', { token: t.people.organizer.token, body: brussels });
    expect(response.status).toBe(201);
    expect(response.body.responseDeadline).toBe('2007-06-20T17:00:00+02:00');
    expect(response.body.opensAt).toBe('2007-05-18T00:00:00+02:00');
    expect(response.body.sessions[0]).toMatchObject({ code: '1.2', startsAt: '2007-07-10T15:00:00+02:00', endsAt: '2007-07-10T18:00:00+02:00' });
    expect(response.body.sessions[0].roles).toEqual([{ organizationId: t.people.ilo.organizationId, organizationName: 'International Labour Organization (ILO)', role: 'rapporteur', note: null }]);
    const row = await t.env.ctx.db.selectFrom('marketplaces').select('response_deadline').where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
    expect(row.response_deadline.toISOString()).toBe('2007-06-20T15:00:00.000Z');
    expect((await t.api('GET', '/api/v1/marketplaces/gfmd-2007')).body.rooms.map((r: { name: string }) => r.name)).toEqual(['Room A', 'Room B']);
  });

  it('only organizers create or edit a marketplace', async () => {
    const slug = await brusselsEdition('gfmd-2007-guarded');
    expect((await t.api('POST', '/api/v1/marketplaces', { token: t.people.ilo.token, body: { ...brussels, slug: 'other' } })).status).toBe(403);
    expect((await t.api('POST', '/api/v1/marketplaces', { body: { ...brussels, slug: 'other' } })).status).toBe(401);
    expect((await t.api('PATCH', `/api/v1/marketplaces/${slug}`, { token: t.people.ilo.token, body: { name: 'Mine now' } })).status).toBe(403);
    expect((await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.name).toBe('GFMD 2007 Brussels');
  });

  it('names every bad field and keeps what was stored', async () => {
    const slug = await brusselsEdition('gfmd-2007-bad-fields');
    const response = await t.api('POST', '/api/v1/marketplaces', {
      token: t.people.organizer.token,
      body: { ...brussels, slug: 'Bad Slug!', timeZone: 'Europe/Atlantis', responseDeadline: 'soon', meetingMinutes: 5 },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['meetingMinutes', 'responseDeadline', 'slug', 'timeZone']);
    const order = await t.api('PATCH', `/api/v1/marketplaces/${slug}`, { token: t.people.organizer.token, body: { responseDeadline: '2007-05-01' } });
    expect(order.status).toBe(422);
    expect(order.body.errors).toEqual([{ path: 'responseDeadline', message: 'must be after the opening' }]);
    expect((await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.responseDeadline).toBe('2007-06-20T17:00:00+02:00');
  });

  it('refuses a local time that a clock change skips', async () => {
    const slug = await brusselsEdition('gfmd-2007-clock-change');
    const response = await t.api('PATCH', `/api/v1/marketplaces/${slug}`, { token: t.people.organizer.token, body: { opensAt: '2007-03-25T02:30' } });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({ path: 'opensAt', message: expect.stringMatching(/does not exist in Europe\/Brussels/) });
  });

  it('edits rooms, sessions and roles; an unknown organization is named', async () => {
    const slug = await brusselsEdition('gfmd-2007-rooms');
    const bad = await t.api('PATCH', `/api/v1/marketplaces/${slug}`, {
      token: t.people.organizer.token,
      body: { sessions: [{ ...brussels.sessions[0], roles: [{ organization: 'Unknown Agency', role: 'speaker' }] }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('sessions.0.roles.0.organization');
    const good = await t.api('PATCH', `/api/v1/marketplaces/${slug}`, {
      token: t.people.organizer.token,
      body: {
        rooms: ['Room B', 'Salle Europa'],
        sessions: [{ code: '3.4', title: 'Regional Migration Consultation Processes', startsAt: '2007-07-11T09:00', endsAt: '2007-07-11T12:00', roles: [{ organizationId: t.people.ilo.organizationId, role: 'speaker' }] }],
      },
    });
    expect(good.status).toBe(200);
    expect(good.body.rooms.map((r: { name: string }) => r.name)).toEqual(['Room B', 'Salle Europa']);
    expect(good.body.sessions.map((s: { code: string }) => s.code)).toEqual(['3.4']);
    expect(good.body.sessions[0].roles[0].role).toBe('speaker');
  });

  it('the organizer form shows errors beside the fields and keeps the values', async () => {
    const manila = { name: 'GFMD 2008 Manila', slug: 'gfmd-2008', timeZone: 'Asia/Manila' };
    const browser = t.pages.organizer;
    const response = await browser.post(
      '/organizer/marketplaces/new',
      {
        ...manila,
        opensAtDate: '2008-08-01',
        opensAtTime: '09:00',
        responseDeadlineDate: '2008-07-01',
        responseDeadlineTime: '17:00',
        forumStartsAt: '2008-10-27',
        forumEndsAt: '2008-10-30',
        meetingMinutes: '30',
        sideMeetingsFrom: '09:00',
        sideMeetingsUntil: '18:00',
        rooms: 'Room 1\nRoom 2',
        ...agendaRows([['1.1', 'Protecting migrants', '2008-10-29', '09:00', '12:00'], ['', 'A session without its code', '2008-10-29', '14:00', '15:00']], []),
      },
      { formPage: '/organizer/marketplaces/new' },
    );
    expect(response.status).toBe(422);
    // Beside the cell, and in the summary with a link to it; the rows come back as typed.
    expect(response.html).toMatch(/id="session-1-code-error"[^>]*>.*must be a short code such as 1\.2/s);
    expect(response.html).toContain('<a href="#session-1-code">Session 2, code: must be a short code such as 1.2</a>');
    expect(response.html).toContain('value="A session without its code"');
    expect(response.html).toContain('value="GFMD 2008 Manila"');

    const fixed = await browser.post(
      '/organizer/marketplaces/new',
      {
        ...manila,
        opensAtDate: '2008-08-01',
        opensAtTime: '09:00',
        responseDeadlineDate: '2008-07-01',
        responseDeadlineTime: '17:00',
        forumStartsAt: '2008-10-27',
        forumEndsAt: '2008-10-30',
        meetingMinutes: '30',
        sideMeetingsFrom: '09:00',
        sideMeetingsUntil: '18:00',
        rooms: 'Room 1',
        ...agendaRows([['1.1', 'Protecting migrants', '2008-10-29', '09:00', '12:00']], []),
      },
      { formPage: '/organizer/marketplaces/new' },
    );
    expect(fixed.status).toBe(422);
    expect(fixed.html).toMatch(/id="responseDeadlineDate-error"[^>]*>.*must be after the opening/s);

    const created = await browser.post(
      '/organizer/marketplaces/new',
      {
        ...manila,
        opensAtDate: '2008-05-01',
        opensAtTime: '09:00',
        responseDeadlineDate: '2008-09-15',
        responseDeadlineTime: '',
        forumStartsAt: '2008-10-27',
        forumEndsAt: '2008-10-30',
        meetingMinutes: '45',
        sideMeetingsFrom: '09:00',
        sideMeetingsUntil: '18:00',
        rooms: 'Room 1',
        ...agendaRows([['1.1', 'Protecting migrants', '2008-10-29', '09:00', '12:00']], [['1.1', t.people.ilo.organizationId!, 'speaker', '']]),
      },
      { formPage: '/organizer/marketplaces/new' },
    );
    expect(created.status).toBe(303);
    expect(created.location).toBe('/m/gfmd-2008');
    const stored = await t.api('GET', '/api/v1/marketplaces/gfmd-2008');
    expect(stored.body.responseDeadline).toBe('2008-09-15T17:00:00+08:00');
    expect(stored.body.meetingMinutes).toBe(45);
    expect(stored.body.sessions[0].roles[0].organizationName).toBe('International Labour Organization (ILO)');
  });

  it('the agenda is edited as rows: each session and role shows in its cells with its note, mistakes are named beside their cells, and a form without the rows keeps the agenda', async () => {
    const slug = await brusselsEdition('gfmd-2007-agenda-rows');
    const stored = await t.api('PATCH', `/api/v1/marketplaces/${slug}`, {
      token: t.people.organizer.token,
      body: {
        sessions: [
          { ...brussels.sessions[0]!, roles: [{ organizationId: t.people.ilo.organizationId, role: 'rapporteur', note: 'Spain asked the ILO to act as rapporteur.' }] },
          { code: 'CSD', title: 'Civil Society Day', startsAt: '2007-07-09T09:00', endsAt: '2007-07-09T18:00', roles: [] },
          // Made through the API across two days: the form keeps its end's date.
          { code: 'X', title: 'A two-day workshop', startsAt: '2007-07-10T16:00', endsAt: '2007-07-11T12:00', roles: [] },
        ],
      },
    });
    expect(stored.status).toBe(200);
    const browser = t.pages.organizer;
    const page = await browser.get(`/organizer/marketplaces/${slug}/edit`);
    expect(page.status).toBe(200);
    // Rows of cells, not text to split: the session's date and times in the forum's zone, the role's organization picked from the list.
    // In the order they happen: the Civil Society Day first.
    expect(page.html).toMatch(/id="session-0-code" name="sessionCode" type="text" value="CSD"/);
    expect(page.html).toMatch(/id="session-1-code" name="sessionCode" type="text" value="1\.2"/);
    expect(page.html).toMatch(/id="session-1-date" name="sessionDate" type="date" value="2007-07-10"/);
    expect(page.html).toMatch(/id="session-1-start" name="sessionStart" type="time" value="15:00"/);
    // The organization by its name, suggested from one list for every row (a select per row repeated the whole list in each).
    expect(page.html).toMatch(/id="role-0-organization" name="roleOrganization" type="text" value="International Labour Organization \(ILO\)"[^>]*list="organization-names"/);
    expect(page.html.match(/<datalist id="organization-names">/g)).toHaveLength(1);
    expect(page.html).toMatch(/<datalist id="organization-names">[^]*<option value="International Organization for Migration \(IOM\)"><\/option>[^]*<\/datalist>/);
    expect(page.html).not.toContain('<select id="role-0-organization"');
    expect(page.html).toMatch(/<option value="rapporteur" selected>rapporteur<\/option>/);
    expect(page.html).toContain('value="Spain asked the ILO to act as rapporteur."');
    expect(page.html).toContain('Ends on 2007-07-11');
    expect(page.html).not.toContain('capacity_building');

    // Saving the page as it came keeps every session, role and note (the text areas dropped notes).
    const fields = (html: string) => {
      const values: Record<string, string[]> = {};
      for (const m of html.matchAll(/<input (?:id="(?:session|role)-\d+-\w+" )?name="(\w+)" type="(?:text|date|time|hidden)" value="([^"]*)"/g)) (values[m[1]!] ??= []).push(m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
      for (const m of html.matchAll(/<select id="role-\d+-\w+" name="(\w+)"[^>]*>([\s\S]*?)<\/select>/g)) (values[m[1]!] ??= []).push(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '');
      return values;
    };
    const form = fields(page.html);
    const base = brusselsForm(slug);
    const saved = await browser.post(`/organizer/marketplaces/${slug}/edit`, { ...base, ...form });
    expect(saved.status).toBe(303);
    const afterSave = await t.api('GET', `/api/v1/marketplaces/${slug}`);
    expect(afterSave.body.sessions.map((s: { code: string }) => s.code).sort()).toEqual(['1.2', 'CSD', 'X']);
    expect(afterSave.body.sessions.find((s: { code: string }) => s.code === 'X')).toMatchObject({ startsAt: '2007-07-10T16:00:00+02:00', endsAt: '2007-07-11T12:00:00+02:00' });
    expect(afterSave.body.sessions.find((s: { code: string }) => s.code === '1.2').roles).toEqual([
      expect.objectContaining({ organizationId: t.people.ilo.organizationId, role: 'rapporteur', note: 'Spain asked the ILO to act as rapporteur.' }),
    ]);

    // A role naming a session not in the agenda, a role without its organization, and a session ending before it starts: all named in one round, beside their cells.
    const wrong = await browser.post(`/organizer/marketplaces/${slug}/edit`, {
      ...base,
      ...agendaRows(
        [
          ['1.2', 'Temporary labour migration', '2007-07-10', '15:00', '18:00'],
          ['2.1', 'Remittances', '2007-07-10', '16:00', '15:00'],
        ],
        [
          ['9.9', t.people.ilo.organizationId!, 'speaker', ''],
          ['1.2', '', 'chair', 'A chair to be named'],
          ['1.2', 'Ministry of Nowhere', 'speaker', ''],
        ],
      ),
    });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toMatch(/id="role-0-session-error"[^>]*>.*names session 9\.9, which is not in the agenda/s);
    expect(wrong.html).toMatch(/id="role-1-organization-error"[^>]*>.*is required/s);
    expect(wrong.html).toContain('value="A chair to be named"');
    // A name that is not a registered organization's is named beside its cell, as typed.
    expect(wrong.html).toMatch(/id="role-2-organization-error"[^>]*>.*is not a registered organization \(Ministry of Nowhere\)/s);
    expect(wrong.html).toMatch(/id="role-2-organization" name="roleOrganization" type="text" value="Ministry of Nowhere"/);
    // Nothing was stored.
    expect((await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.sessions).toHaveLength(3);
    const ends = await browser.post(`/organizer/marketplaces/${slug}/edit`, { ...base, ...agendaRows([['2.1', 'Remittances', '2007-07-10', '16:00', '15:00']], []) });
    expect(ends.status).toBe(422);
    expect(ends.html).toMatch(/id="session-0-end-error"[^>]*>.*must be after the start/s);

    // In French, the cell's name and the message are French.
    const french = t.pages.organizer;
    french.setCookie('lang', 'fr');
    const frenchWrong = await french.post(`/organizer/marketplaces/${slug}/edit`, { ...base, ...agendaRows([['1.2', 'Temporary labour migration', '2007-07-10', '15:00', '18:00']], [['9.9', t.people.ilo.organizationId!, 'speaker', '']]) });
    expect(frenchWrong.html).toMatch(/Rôle 1, séance\s:\sdésigne la séance 9\.9, qui n’est pas au programme/);

    // A tab opened before the rows existed sends no agenda fields: the stored agenda stays.
    expect((await browser.post(`/organizer/marketplaces/${slug}/edit`, base)).status).toBe(303);
    expect((await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.sessions).toHaveLength(3);

    // Typed by its name, in any case, an organization is found.
    const typed = await browser.post(`/organizer/marketplaces/${slug}/edit`, { ...base, ...agendaRows([['1.2', 'Temporary labour migration', '2007-07-10', '15:00', '18:00']], [['1.2', 'international organization for migration (iom)', 'speaker', '']]) });
    expect(typed.status).toBe(303);
    const roles = (await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.sessions.find((s: { code: string }) => s.code === '1.2').roles;
    expect(roles).toEqual([expect.objectContaining({ organizationId: t.people.iom.organizationId, role: 'speaker' })]);
  });

  it('two people editing the marketplace: the later save of an older copy is refused with its changes kept, never undoing the first', async () => {
    const slug = await brusselsEdition('gfmd-2007-two-editors');
    const browser = t.pages.organizer;
    const opened = await browser.get(`/organizer/marketplaces/${slug}/edit`);
    const version = /name="version" value="([^"]+)"/.exec(opened.html)![1]!;
    // A colleague adds a room meanwhile.
    expect((await t.api('PATCH', `/api/v1/marketplaces/${slug}`, { token: t.people.organizer.token, body: { rooms: ['Room A', 'Room B', 'Room D'] } })).status).toBe(200);
    const form = { ...brusselsForm(slug), version, name: 'GFMD 2007 Brussels, renamed' };
    const refused = await browser.post(`/organizer/marketplaces/${slug}/edit`, form, { formPage: `/organizer/marketplaces/${slug}/edit` });
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('Someone saved this marketplace after you opened it');
    expect(refused.html).toContain('value="GFMD 2007 Brussels, renamed"');
    const stored = (await t.api('GET', `/api/v1/marketplaces/${slug}`)).body;
    expect([stored.name, stored.rooms.map((r: { name: string }) => r.name)]).toEqual(['GFMD 2007 Brussels', ['Room A', 'Room B', 'Room D']]);
    // The page now carries the saved version: saving again is a choice, and goes through.
    const newer = /name="version" value="([^"]+)"/.exec(refused.html)![1]!;
    expect(newer).not.toBe(version);
    const saved = await browser.post(`/organizer/marketplaces/${slug}/edit`, { ...form, version: newer, rooms: 'Room A\nRoom B\nRoom D' }, { formPage: `/organizer/marketplaces/${slug}/edit` });
    expect(saved.status).toBe(303);
    expect((await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.name).toBe('GFMD 2007 Brussels, renamed');
  });

  it('a provider cannot open the organizer pages', async () => {
    const browser = t.pages.ilo;
    expect((await browser.get('/organizer/marketplaces/new')).status).toBe(403);
  });
});

describe('marketplace addresses', () => {
  it('a malformed or unknown marketplace in an address is a 404 that names the marketplace, for reads and writes alike', async () => {
    const { api } = t;
    const { organizer } = t.people;
    for (const [method, path] of [
      ['GET', '/api/v1/marketplaces/no-such-edition'],
      ['GET', '/api/v1/marketplaces/Bad%20Slug!'],
      ['GET', '/api/v1/marketplaces/Bad%20Slug!/requests'],
      ['PATCH', '/api/v1/marketplaces/%27%3B%20DROP'],
    ] as const) {
      const response = await api(method, path, { token: organizer.token, ...(method === 'PATCH' ? { body: { name: 'Renamed edition' } } : {}) });
      expect(response.status, path).toBe(404);
      expect(response.body.detail, path).toBe('The marketplace does not exist or is not visible to you.');
    }
    // Upper case is the same address.
    expect((await api('GET', '/api/v1/marketplaces/GFMD-2007')).body.slug).toBe('gfmd-2007');
  });

  it('the list names each marketplace with its deadline in its own zone and how many requests are open', async () => {
    const { api } = t;
    const list = await api('GET', '/api/v1/marketplaces');
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual({ slug: 'gfmd-2007', name: 'GFMD 2007 Brussels', timeZone: 'Europe/Brussels', responseDeadline: '2007-06-20T17:00:00+02:00', openRequests: 0 });
    expect(list.body.nextCursor).toBeNull();
  });
});
