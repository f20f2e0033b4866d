import { outboxQuery } from '../../email/outbox.schemas.ts';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireOrganizer } from '../../auth/actor.ts';
import { approveMembership, listJoinableOrganizations, listOrganizations, refuseMembership, rejectOrganization, verifyOrganization } from '../../organizations/organizations.service.ts';
import { canApproveMembership, canRefuseMembership, canRejectOrganization, canVerifyOrganization } from '../../organizations/organizations.policy.ts';
import { organizationListQuery, rejectOrganizationBody } from '../../organizations/organizations.schemas.ts';
import { canResendEmail } from '../../email/outbox.policy.ts';
import { withPlacesOfLinks } from '../../email/sealed-links.ts';
import { createMarketplaceBody, sessionRoles, updateMarketplaceBody } from '../../marketplaces/marketplaces.schemas.ts';
import { sessionRoleLabels } from '../views.ts';
import { createMarketplace, findMarketplace, getMarketplace, updateMarketplace, type MarketplaceDetail } from '../../marketplaces/marketplaces.service.ts';
import { changeDeadlineBody } from '../../requests/requests.schemas.ts';
import { extendMarketplaceDeadline } from '../../requests/requests.service.ts';
import { getOutboxEmail, listOutbox, resendOutboxEmail } from '../../email/outbox.service.ts';
import { z } from 'zod';

import { AppError } from '../../shared/errors.ts';
import { parseInput } from '../../shared/parse.ts';
import { instantToLocal } from '../../shared/time.ts';
import { bodyOf, handleForm, list, numberOrText, readFilters, str, type FormValues } from '../forms.ts';
import { renderPage } from './render.ts';
import { idParam, slugParam } from './params.ts';
import { t } from '../../i18n/i18n.ts';

const timeZones = Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z }));

function lines(value: unknown): string[] {
  return str(value)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A row of the agenda's sessions as the form sends it (parallel fields, one per column). */
export interface SessionRow {
  code: string;
  title: string;
  date: string;
  start: string;
  end: string;
  /** The end's date when it is not the start's (a session made through the API across days), kept as it was. */
  endDate: string;
}

/** A role in a session as the form sends it: the session's code, the organization's label as suggested (or its id), the role, a note. */
export interface RoleRow {
  session: string;
  organization: string;
  role: string;
  note: string;
}

/** Parallel fields of a form (name[] per column) as rows; `columns` maps each row key to its field. */
function rowsOf<K extends string>(values: FormValues, columns: Record<K, string>): Array<Record<K, string>> {
  const keys = Object.keys(columns) as K[];
  const cells = keys.map((key) => list(values[columns[key]]));
  const n = Math.max(0, ...cells.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((key, k) => [key, (cells[k]![i] ?? '').trim()])) as Record<K, string>);
}

export const sessionRowsOf = (values: FormValues): SessionRow[] => rowsOf(values, { code: 'sessionCode', title: 'sessionTitle', date: 'sessionDate', start: 'sessionStart', end: 'sessionEnd', endDate: 'sessionEndDate' });
export const roleRowsOf = (values: FormValues): RoleRow[] => rowsOf(values, { session: 'roleSession', organization: 'roleOrganization', role: 'roleKind', note: 'roleNote' });

/**
 * The agenda's rows as the API's sessions, with where each came from (to put the API's errors beside
 * the right cell: `session-3-title`, `role-5-organization`) and the mistakes only the form can make (a
 * role naming a session that is not in the agenda, a role row without its organization). Empty rows
 * are left out. Undefined when the form has no agenda fields (a tab opened before they existed): the
 * stored agenda is kept as it is.
 */
function agendaOf(values: FormValues, organizations: OrganizationChoices) {
  if (values.sessionCode === undefined && values.roleSession === undefined) return undefined;
  const sessions = sessionRowsOf(values)
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => [row.code, row.title, row.date, row.start, row.end].some(Boolean));
  const roles = roleRowsOf(values)
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => row.session || row.organization || row.role || row.note);
  const problems: Array<{ path: string; message: string }> = [];
  const codes = new Set(sessions.map(({ row }) => row.code));
  for (const { row, index } of roles) {
    if (!row.session) problems.push({ path: `role-${index}-session`, message: 'is required' });
    else if (!codes.has(row.session)) problems.push({ path: `role-${index}-session`, message: `names session ${row.session}, which is not in the agenda` });
    if (!row.organization) problems.push({ path: `role-${index}-organization`, message: 'is required' });
    else if (!organizations.idOf(row.organization)) problems.push({ path: `role-${index}-organization`, message: `is not a registered organization (${row.organization})` });
  }
  const at = (date: string, time: string) => (date && time ? `${date}T${time}` : date);
  /** For each session sent to the API, its form row, and the form rows of its roles in the order sent. */
  const origin = sessions.map(({ row, index }) => ({ index, roles: roles.filter((r) => r.row.session === row.code && row.code).map((r) => r.index) }));
  return {
    problems,
    origin,
    sessions: sessions.map(({ row }) => ({
      code: row.code,
      title: row.title,
      startsAt: at(row.date, row.start),
      endsAt: at(row.endDate || row.date, row.end),
      roles: roles
        .filter((r) => r.row.session === row.code && row.code && organizations.idOf(r.row.organization))
        .map(({ row: role }) => ({ organizationId: organizations.idOf(role.organization)!, role: role.role, ...(role.note ? { note: role.note } : {}) })),
    })),
  };
}

type Agenda = ReturnType<typeof agendaOf>;

/** The marketplace form's fields as the API's body (`agenda`: its rows, from agendaOf). */
function marketplaceFormToInput(values: FormValues, agenda: Agenda) {
  const opensAtDate = str(values.opensAtDate).trim();
  const deadlineDate = str(values.responseDeadlineDate).trim();
  return {
    name: str(values.name),
    slug: str(values.slug),
    timeZone: str(values.timeZone),
    opensAt: opensAtDate ? `${opensAtDate}T${str(values.opensAtTime) || '00:00'}` : '',
    responseDeadline: deadlineDate ? `${deadlineDate}T${str(values.responseDeadlineTime) || '17:00'}` : '',
    forumStartsAt: str(values.forumStartsAt),
    forumEndsAt: str(values.forumEndsAt),
    meetingMinutes: numberOrText(values.meetingMinutes) ?? '',
    sideMeetingsFrom: str(values.sideMeetingsFrom),
    sideMeetingsUntil: str(values.sideMeetingsUntil),
    sealedResponses: str(values.sealedResponses) === 'true',
    meetingPublication: str(values.meetingPublication) === 'immediate' ? 'immediate' : 'review',
    // A form from before the field (an open tab) leaves it out: the default, or the value kept.
    ...(values.questionDays === undefined ? {} : { questionDays: numberOrText(values.questionDays) ?? '' }),
    ...(values.reviewHours === undefined ? {} : { reviewHours: numberOrText(values.reviewHours) ?? '' }),
    ...(values.lateChangeDays === undefined ? {} : { lateChangeDays: numberOrText(values.lateChangeDays) ?? '' }),
    ...(values.followupWeeks === undefined ? {} : { followupWeeks: numberOrText(values.followupWeeks) ?? '' }),
    // Empty: no limit.
    ...(values.maxMeetingsPerDay === undefined ? {} : { maxMeetingsPerDay: str(values.maxMeetingsPerDay).trim() === '' ? null : numberOrText(values.maxMeetingsPerDay) }),
    ...(values.movePenalty === undefined ? {} : { movePenalty: str(values.movePenalty).trim() === '' ? null : numberOrText(values.movePenalty) }),
    ...(values.breakAfter === undefined ? {} : { breakAfter: str(values.breakAfter).trim() === '' ? null : numberOrText(values.breakAfter) }),
    noMeetingWindows: windowRowsOf(values)
      .filter((w) => w.date || w.label)
      .map((w) => ({ startsAt: `${w.date}${w.from ? `T${w.from}` : ''}`, endsAt: `${w.date}${w.until ? `T${w.until}` : ''}`, label: w.label })),
    rooms: lines(values.rooms),
    ...(agenda ? { sessions: agenda.sessions } : {}),
  };
}

/** The rows of "times with no side meetings" as the form sent them (parallel fields), with two empty rows to add more. */
export function windowRowsOf(values: FormValues): Array<{ date: string; from: string; until: string; label: string }> {
  const dates = list(values.noMeetingDate);
  const froms = list(values.noMeetingFrom);
  const untils = list(values.noMeetingUntil);
  const labels = list(values.noMeetingLabel);
  const n = Math.max(dates.length, froms.length, untils.length, labels.length);
  return Array.from({ length: n }, (_, i) => ({ date: (dates[i] ?? '').trim(), from: (froms[i] ?? '').trim(), until: (untils[i] ?? '').trim(), label: (labels[i] ?? '').trim() }));
}

/** Errors of nested API paths shown beside the text area they came from, with the line. */
const marketplaceAliases = { opensAt: 'opensAtDate', responseDeadline: 'responseDeadlineDate' };

/** The agenda's form-only mistakes, when the rest of the form was fine. */
function requireNoProblems(agenda: Agenda): void {
  if (agenda?.problems.length) throw new AppError(422, 'validation-failed', 'Invalid input', 'Some fields need attention.', agenda.problems);
}

/**
 * The API's errors of nested paths put beside the cell they came from (a window's row, a session's
 * or a role's cell), with the form-only mistakes of the agenda first, so that every mistake comes in
 * one round.
 */
function mapAgendaErrors(error: AppError, agenda: Agenda): AppError {
  if (!error.errors) return error;
  const sessionColumns: Record<string, string> = { code: 'code', title: 'title', startsAt: 'date', endsAt: 'end' };
  const mapped = error.errors.map((e) => {
    const w = /^noMeetingWindows\.(\d+)\.(\w+)$/.exec(e.path);
    if (w) return { path: 'noMeetingWindows', message: `row ${Number(w[1]) + 1}, ${w[2] === 'label' ? 'what happens then' : w[2] === 'startsAt' ? 'date or start' : 'end'}: ${e.message}` };
    const role = /^sessions\.(\d+)\.roles\.(\d+)\.(\w+)$/.exec(e.path);
    const roleRow = role ? agenda?.origin[Number(role[1])]?.roles[Number(role[2])] : undefined;
    if (role && roleRow !== undefined) return { path: `role-${roleRow}-${role[3] === 'role' ? 'role' : role[3] === 'note' ? 'note' : 'organization'}`, message: e.message };
    const session = /^sessions\.(\d+)\.(\w+)$/.exec(e.path);
    const sessionRow = session ? agenda?.origin[Number(session[1])]?.index : undefined;
    if (session && sessionRow !== undefined) return { path: `session-${sessionRow}-${sessionColumns[session[2]!] ?? 'code'}`, message: e.message };
    return e;
  });
  const problems = agenda?.problems ?? [];
  return new AppError(error.status, error.type, error.title, error.detail, [...problems.filter((p) => !mapped.some((m) => m.path === p.path)), ...mapped]);
}

function marketplaceToFormValues({ marketplace: m, rooms, sessions }: MarketplaceDetail): FormValues {
  const tz = m.time_zone;
  return {
    // The saved version this copy of the form shows (updateMarketplace's `unchangedSince`).
    version: m.updated_at.toISOString(),
    name: m.name,
    slug: m.slug,
    timeZone: tz,
    opensAtDate: instantToLocal(m.opens_at, tz).date,
    opensAtTime: instantToLocal(m.opens_at, tz).time,
    responseDeadlineDate: instantToLocal(m.response_deadline, tz).date,
    responseDeadlineTime: instantToLocal(m.response_deadline, tz).time,
    forumStartsAt: m.forum_starts_on,
    forumEndsAt: m.forum_ends_on,
    meetingMinutes: String(m.meeting_minutes),
    sideMeetingsFrom: m.meeting_day_starts.slice(0, 5),
    sideMeetingsUntil: m.meeting_day_ends.slice(0, 5),
    sealedResponses: m.sealed_responses ? 'true' : '',
    meetingPublication: m.meeting_publication,
    questionDays: String(m.question_days),
    reviewHours: String(m.review_hours),
    lateChangeDays: String(m.late_change_days),
    followupWeeks: String(m.followup_weeks),
    maxMeetingsPerDay: m.max_meetings_per_day === null ? '' : String(m.max_meetings_per_day),
    movePenalty: m.move_penalty === null ? '' : String(m.move_penalty),
    breakAfter: m.break_after === null ? '' : String(m.break_after),
    // A whole day (00:00 to 23:59) shows as its date alone.
    ...(() => {
      const rows = m.no_meeting_windows.map((w) => {
        const from = instantToLocal(new Date(w.startsAt), tz);
        const until = instantToLocal(new Date(w.endsAt), tz);
        const wholeDay = from.time === '00:00' && until.time === '23:59' && from.date === until.date;
        return { date: from.date, from: wholeDay ? '' : from.time, until: wholeDay ? '' : until.time, label: w.label };
      });
      return { noMeetingDate: rows.map((r) => r.date), noMeetingFrom: rows.map((r) => r.from), noMeetingUntil: rows.map((r) => r.until), noMeetingLabel: rows.map((r) => r.label) };
    })(),
    rooms: rooms.map((r) => r.name).join('\n'),
    sessionCode: sessions.map((s) => s.code),
    sessionTitle: sessions.map((s) => s.title),
    sessionDate: sessions.map((s) => instantToLocal(s.starts_at, tz).date),
    sessionStart: sessions.map((s) => instantToLocal(s.starts_at, tz).time),
    sessionEnd: sessions.map((s) => instantToLocal(s.ends_at, tz).time),
    sessionEndDate: sessions.map((s) => (instantToLocal(s.ends_at, tz).date === instantToLocal(s.starts_at, tz).date ? '' : instantToLocal(s.ends_at, tz).date)),
    roleSession: sessions.flatMap((s) => s.roles.map(() => s.code)),
    roleOrganization: sessions.flatMap((s) => s.roles.map((r) => r.organizationId)),
    roleKind: sessions.flatMap((s) => s.roles.map((r) => r.role)),
    roleNote: sessions.flatMap((s) => s.roles.map((r) => r.note ?? '')),
  };
}

/** Rows as sent, without the empty ones at the end (a row's number names its errors), and `spare` empty rows to add more. */
function withSpareRows<R extends object>(rows: R[], empty: R, spare: number): R[] {
  let end = rows.length;
  while (end > 0 && Object.values(rows[end - 1]!).every((v) => !v)) end--;
  return [...rows.slice(0, end), ...Array.from({ length: spare }, () => ({ ...empty }))];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The organizations a role's cell may name, by label: its name, with its country where organizations
 * of that name are several (names are unique per country). The cell is a text field that suggests the
 * labels (one datalist for every row), not a select per row: a select repeated the whole list in each
 * of the agenda's rows, 4,947 options and 389 KB on one page for 1,500 organizations. A cell holding an
 * organization's id (a tab opened before the change, or the stored agenda) names it too.
 */
interface OrganizationChoices {
  labels: string[];
  idOf: (cell: string) => string | undefined;
  labelOf: (cell: string) => string;
}

/** The organizations that may join, and any the stored agenda already names. */
async function organizationChoices(ctx: AppContext, slug: string | null): Promise<OrganizationChoices> {
  const organizations: Array<{ id: string; name: string; country: string | null }> = await listJoinableOrganizations(ctx);
  if (slug) {
    const known = new Set(organizations.map((o) => o.id));
    const stored = await getMarketplace(ctx, slug);
    for (const session of stored.sessions) {
      for (const role of session.roles) {
        if (known.has(role.organizationId)) continue;
        known.add(role.organizationId);
        organizations.push({ id: role.organizationId, name: role.organizationName, country: null });
      }
    }
  }
  const named = new Map<string, number>();
  for (const o of organizations) named.set(o.name.toLowerCase(), (named.get(o.name.toLowerCase()) ?? 0) + 1);
  const labelById = new Map<string, string>();
  const idByLabel = new Map<string, string>();
  for (const o of organizations) {
    let label = named.get(o.name.toLowerCase())! > 1 ? `${o.name} (${o.country ?? '–'})` : o.name;
    if (idByLabel.has(label.toLowerCase())) label = `${label} ${o.id.slice(0, 8)}`;
    labelById.set(o.id, label);
    idByLabel.set(label.toLowerCase(), o.id);
  }
  return {
    labels: [...labelById.values()].sort((a, b) => a.localeCompare(b)),
    idOf: (cell) => (UUID.test(cell) && labelById.has(cell.toLowerCase()) ? cell.toLowerCase() : idByLabel.get(cell.trim().toLowerCase())),
    labelOf: (cell) => labelById.get(cell.toLowerCase()) ?? cell,
  };
}

/**
 * The agenda's rows for the form, and the lists its cells pick from: the organizations' labels
 * (organizationChoices), the roles in the page's language, and the session codes the rows hold.
 */
function agendaFormRows(locale: string, values: FormValues, organizations: OrganizationChoices) {
  const sessionRows = withSpareRows(sessionRowsOf(values), { code: '', title: '', date: '', start: '', end: '', endDate: '' }, 2);
  const roleRows = withSpareRows(roleRowsOf(values), { session: '', organization: '', role: '', note: '' }, 3).map((r) => ({ ...r, organization: organizations.labelOf(r.organization) }));
  return {
    sessionRows,
    roleRows,
    sessionCodes: [...new Set(sessionRows.map((r) => r.code).filter(Boolean))],
    organizationLabels: organizations.labels,
    roleOptions: sessionRoles.map((value) => ({ value, label: t(locale, sessionRoleLabels[value]!) })),
  };
}

export function organizerPages(ctx: AppContext): Router {
  const router = Router();
  router.use('/organizer', (req, _res, next) => {
    requireOrganizer(req.actor);
    next();
  });

  const showOrganizations = async (req: Request, res: Response, extra: { values?: FormValues; errors?: Record<string, string>; formError?: string } = {}, status = 200) => {
    // The filters as given; a wrong one is named beside its field and the list shows them all. A page
    // at a time: at fifty times a forum the one page held 1,540 organizations, 552 KB.
    const raw = Object.fromEntries(Object.entries(req.query).filter(([k, v]) => ['status', 'q', 'cursor'].includes(k) && typeof v === 'string' && v !== '')) as Record<string, string>;
    const { data, errors: queryErrors } = readFilters(organizationListQuery, raw, req.locale);
    const page = await listOrganizations(ctx, req.actor, data ?? organizationListQuery.parse({}));
    const nextUrl = page.nextCursor ? `/organizer/organizations?${new URLSearchParams({ ...raw, cursor: page.nextCursor }).toString()}` : null;
    const rows = page.items;
    // The buttons say what the same policy the service applies allows.
    const organizations = rows.map((o) => ({
      ...o,
      canVerify: canVerifyOrganization(req.actor, o),
      canReject: canRejectOrganization(req.actor, o),
      members: o.members.map((m) => ({ ...m, canApprove: canApproveMembership(req.actor, o, m), canRefuse: canRefuseMembership(req.actor, m) })),
    }));
    renderPage(
      req,
      res,
      'organizer/organizations.njk',
      {
        title: t(req.locale, 'Organizations'),
        organizations,
        nextUrl,
        query: { q: raw.q ?? '', status: raw.status ?? '' },
        notice: str(req.query.notice) === 'done' ? t(req.locale, 'Done.') : undefined,
        values: extra.values ?? {},
        errors: { ...queryErrors, ...(extra.errors ?? {}) },
        formError: extra.formError,
      },
      status,
    );
  };
  router.get('/organizer/organizations', (req, res) => showOrganizations(req, res));

  // Reject with a reason, told to the organization's members; the reason field is the organization's own.
  router.post('/organizer/organizations/:id/reject', async (req, res) => {
    const id = idParam(req.params.id, 'The organization');
    const values = bodyOf(req);
    const field = `reason-${id}`;
    await handleForm(
      res,
      async () => {
        const { reason } = parseInput(rejectOrganizationBody, { reason: str(values[field]) });
        await rejectOrganization(ctx, req.actor, id, reason);
        res.redirect(303, '/organizer/organizations?notice=done');
      },
      (status, errors, formError) => showOrganizations(req, res, { values, errors, formError }, status),
      { reason: field },
    );
  });

  router.post('/organizer/organizations/:id/verify', async (req, res) => {
    await verifyOrganization(ctx, req.actor, idParam(req.params.id, 'The organization'));
    res.redirect(303, '/organizer/organizations?notice=done');
  });

  router.post('/organizer/organizations/:id/members/:userId/approve', async (req, res) => {
    await approveMembership(ctx, req.actor, idParam(req.params.id, 'The organization'), idParam(req.params.userId, 'The person'));
    res.redirect(303, '/organizer/organizations?notice=done');
  });

  router.post('/organizer/organizations/:id/members/:userId/refuse', async (req, res) => {
    await refuseMembership(ctx, req.actor, idParam(req.params.id, 'The organization'), idParam(req.params.userId, 'The person'));
    res.redirect(303, '/organizer/organizations?notice=done');
  });

  const showForm = async (req: Request, res: Response, mode: 'create' | 'update', slug: string | null, values: FormValues, errors: Record<string, string> = {}, formError?: string, status = 200) =>
    renderPage(
      req,
      res,
      'organizer/marketplace-form.njk',
      {
        title: mode === 'create' ? t(req.locale, 'New marketplace') : str(values.name) ? t(req.locale, 'Edit {{marketplace}}', { marketplace: str(values.name) }) : t(req.locale, 'Edit marketplace'),
        submitLabel: mode === 'create' ? t(req.locale, 'Create the marketplace') : t(req.locale, 'Save changes'),
        action: mode === 'create' ? '/organizer/marketplaces/new' : `/organizer/marketplaces/${slug}/edit`,
        timeZones,
        values,
        windowRows: [...windowRowsOf(values).filter((w) => w.date || w.from || w.until || w.label), ...Array.from({ length: 2 }, () => ({ date: '', from: '', until: '', label: '' }))],
        ...agendaFormRows(req.locale, values, await organizationChoices(ctx, slug)),
        errors,
        formError,
        notice:
          str(req.query.notice) === 'saved'
            ? t(req.locale, 'Saved.')
            : str(req.query.notice) === 'extended'
              ? t(req.locale, 'The deadline is extended; {{count}} requests follow it and the people concerned are emailed.', { count: Number(str(req.query.moved)) || 0 })
              : undefined,
        slug,
      },
      status,
    );

  router.get('/organizer/marketplaces/new', async (req, res) => {
    await showForm(req, res, 'create', null, {
      timeZone: 'Europe/Brussels',
      opensAtTime: '09:00',
      responseDeadlineTime: '17:00',
      meetingMinutes: '30',
      questionDays: '7',
      reviewHours: '48',
      lateChangeDays: '3',
      followupWeeks: '6',
      breakAfter: '3',
      movePenalty: '0.5',
      sideMeetingsFrom: '09:00',
      sideMeetingsUntil: '18:00',
    });
  });
  router.post('/organizer/marketplaces/new', async (req, res) => {
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const agenda = agendaOf(values, await organizationChoices(ctx, null));
        try {
          const input = parseInput(createMarketplaceBody, marketplaceFormToInput(values, agenda));
          requireNoProblems(agenda);
          const created = await createMarketplace(ctx, req.actor, input);
          res.redirect(303, `/m/${created.marketplace.slug}`);
        } catch (error) {
          throw error instanceof AppError ? mapAgendaErrors(error, agenda) : error;
        }
      },
      (status, errors, formError) => showForm(req, res, 'create', null, values, errors, formError, status),
      marketplaceAliases,
    );
  });

  router.get('/organizer/marketplaces/:slug/edit', async (req, res) => {
    const detail = await getMarketplace(ctx, slugParam(req.params.slug));
    await showForm(req, res, 'update', detail.marketplace.slug, marketplaceToFormValues(detail));
  });
  router.post('/organizer/marketplaces/:slug/edit', async (req, res) => {
    const slug = slugParam(req.params.slug);
    await findMarketplace(ctx, slug); // 404 before the form is read
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const agenda = agendaOf(values, await organizationChoices(ctx, slug));
        try {
          const input = parseInput(updateMarketplaceBody, marketplaceFormToInput(values, agenda));
          requireNoProblems(agenda);
          const version = new Date(str(values.version));
          const updated = await updateMarketplace(ctx, req.actor, slug, input, { unchangedSince: Number.isNaN(version.getTime()) ? undefined : version });
          res.redirect(303, `/organizer/marketplaces/${updated.marketplace.slug}/edit?notice=saved`);
        } catch (error) {
          // Told, with the changes kept: the form now carries the saved version, so saving again is a choice.
          if (error instanceof AppError && error.type === 'edited-meanwhile') values.version = (await findMarketplace(ctx, slug)).updated_at.toISOString();
          throw error instanceof AppError ? mapAgendaErrors(error, agenda) : error;
        }
      },
      (status, errors, formError) => showForm(req, res, 'update', slug, values, errors, formError, status),
      marketplaceAliases,
    );
  });

  router.post('/organizer/marketplaces/:slug/deadline', async (req, res) => {
    const slug = slugParam(req.params.slug);
    await findMarketplace(ctx, slug); // 404 before the form is read
    const values = bodyOf(req);
    await handleForm(
      res,
      async () => {
        const date = str(values.extendDate).trim();
        const { responseDeadline } = parseInput(changeDeadlineBody, { responseDeadline: date ? `${date}T${str(values.extendTime) || '17:00'}` : '' });
        const result = await extendMarketplaceDeadline(ctx, req.actor, slug, responseDeadline);
        res.redirect(303, `/organizer/marketplaces/${slug}/edit?notice=extended&moved=${result.requestsMoved}`);
      },
      async (status, errors, formError) => showForm(req, res, 'update', slug, { ...marketplaceToFormValues(await getMarketplace(ctx, slug)), ...values }, errors, formError, status),
      { responseDeadline: 'extendDate' },
    );
  });

  const showEmails = async (req: Request, res: Response, formError?: string, status = 200) => {
    const parsed = z.object(outboxQuery.shape).safeParse(Object.fromEntries(Object.entries(req.query).filter(([, v]) => typeof v === 'string' && v !== '')));
    const query = parsed.success ? parsed.data : { limit: 50 };
    const page = await listOutbox(ctx, req.actor, query);
    const emails = page.items.map((e) => ({ ...e, canResend: canResendEmail(req.actor, e) }));
    const filters = new URLSearchParams({ ...(query.status ? { status: query.status } : {}), ...(query.q ? { q: query.q } : {}) });
    const nextUrl = page.nextCursor ? `/organizer/emails?${new URLSearchParams([...filters, ['cursor', page.nextCursor]])}` : null;
    // The filters ride along on a resend's address, so the list comes back as it was.
    const filterQuery = filters.size ? `?${filters}` : '';
    renderPage(req, res, 'organizer/emails.njk', { title: t(req.locale, 'Emails'), emails, query, nextUrl, filterQuery, notice: str(req.query.notice) === 'resent' ? t(req.locale, 'The email is on its way again.') : undefined, formError }, status);
  };
  router.get('/organizer/emails', (req, res) => showEmails(req, res));

  // One email: what it said, to whom, and what became of it.
  router.get('/organizer/emails/:id', async (req, res) => {
    const email = await getOutboxEmail(ctx, req.actor, idParam(req.params.id, 'The email'));
    const text = withPlacesOfLinks(email.text, t(req.locale, '[personal link]'));
    renderPage(req, res, 'organizer/email.njk', { title: email.subject, email, text, canResend: canResendEmail(req.actor, email) });
  });

  router.post('/organizer/emails/:id/resend', async (req, res) => {
    try {
      await resendOutboxEmail(ctx, req.actor, idParam(req.params.id, 'The email'));
    } catch (error) {
      // Not sent again (a sign-in link already used or expired, an email already on its way): the list, saying why.
      if (error instanceof AppError && error.status === 409) return showEmails(req, res, error.detail, 409);
      throw error;
    }
    const kept = new URLSearchParams(Object.entries(req.query).filter(([name, value]) => ['status', 'q'].includes(name) && typeof value === 'string') as Array<[string, string]>);
    kept.set('notice', 'resent');
    res.redirect(303, `/organizer/emails?${kept}`);
  });

  return router;
}
