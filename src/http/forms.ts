import type { Request, Response } from 'express';
import countries from 'i18n-iso-countries';
import ISO6391 from 'iso-639-1';
import { DateTime } from 'luxon';
import type { z } from 'zod';
import { AppError, fieldErrorsFromZod, type FieldError } from '../shared/errors.ts';
import { N_, t } from '../i18n/i18n.ts';
import { localeOf } from './middleware/locale.ts';

export type FormValues = Record<string, string | string[] | undefined>;

export function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[0]);
  return typeof value === 'string' ? value : '';
}

export function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** "Bangladesh, NP; Nepal" -> ["Bangladesh", "NP", "Nepal"] */
export function splitList(value: unknown): string[] {
  return str(value)
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A country given by ISO code or by its name in English, French or Spanish. */
export function countryCodeFromText(text: string): string {
  if (/^[A-Za-z]{2}$/.test(text)) return text.toUpperCase();
  for (const locale of ['en', 'fr', 'es']) {
    const code = countries.getAlpha2Code(text, locale);
    if (code) return code;
  }
  return text;
}

let languageCodesByName: Map<string, string> | null = null;

/** Every ISO 639-1 language by its English, native, French and Spanish names (lower case). */
function languageNameIndex(): Map<string, string> {
  if (languageCodesByName) return languageCodesByName;
  const index = new Map<string, string>();
  const inFrench = new Intl.DisplayNames(['fr'], { type: 'language', fallback: 'none' });
  const inSpanish = new Intl.DisplayNames(['es'], { type: 'language', fallback: 'none' });
  const named = (names: Intl.DisplayNames, code: string) => {
    try {
      return names.of(code);
    } catch {
      return undefined;
    }
  };
  // English and native names first: they win over a French or Spanish name that happens to match.
  for (const code of ISO6391.getAllCodes()) for (const name of [ISO6391.getName(code), ISO6391.getNativeName(code)]) if (name && !index.has(name.toLowerCase())) index.set(name.toLowerCase(), code);
  for (const code of ISO6391.getAllCodes()) {
    for (const name of [named(inFrench, code), named(inSpanish, code)]) if (name && !index.has(name.toLowerCase())) index.set(name.toLowerCase(), code);
  }
  languageCodesByName = index;
  return index;
}

/** A language given by ISO 639-1 code or by its name in English, in itself, in French or in Spanish. */
export function languageCodeFromText(text: string): string {
  if (/^[A-Za-z]{2}$/.test(text)) return text.toLowerCase();
  return languageNameIndex().get(text.toLowerCase()) ?? text;
}

/** A number field: a number when it reads as one, else the text (the schema then names the field). */
export function numberOrText(value: unknown): number | string | undefined {
  const text = str(value).trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/**
 * Field errors for a form, in the reader's language: the first message for each field, keyed by the
 * form's field name ("Title: must be at least 5 characters"). `aliases` maps an API path's first part
 * to the form field that holds it.
 */
export function errorsByField(errors: FieldError[], aliases: Record<string, string> = {}, locale = 'en'): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const [head, ...rest] = error.path.split('.');
    const field = aliases[head!] ?? head!;
    const label = labelFor(field, locale);
    const where = rest.length && /^\d+$/.test(rest[0]!) ? t(locale, '{{label}} (item {{n}})', { label, n: Number(rest[0]) + 1 }) : label;
    byField[field] ??= t(locale, '{{label}}: {{value}}', { label: where, value: translateFieldMessage(error.message, locale) });
  }
  return byField;
}

const labels: Record<string, string> = {
  title: N_('Title'),
  category: N_('Category'),
  themes: N_('Themes'),
  otherThemes: N_('Other themes'),
  description: N_('What do you need'),
  expectedOutcome: N_('Expected outcome'),
  countries: N_('Countries'),
  languages: N_('Languages'),
  maxMatches: N_('Number of providers to meet'),
  responseDeadlineDate: N_('Response deadline'),
  responseDeadlineTime: N_('Response deadline time'),
  email: N_('Email address'),
  name: N_('Name'),
  kind: N_('Kind of organization'),
  country: N_('Country'),
  personName: N_('Your name'),
  reason: N_('Reason'),
  slug: N_('Address'),
  opensAtDate: N_('Opens on'),
  opensAtTime: N_('Opening time'),
  forumStartsAt: N_('First forum day'),
  forumEndsAt: N_('Last forum day'),
  meetingMinutes: N_('Length in minutes'),
  maxMeetingsPerDay: N_('Most meetings per organization per day'),
  movePenalty: N_('Points a re-run must gain to move a proposed meeting'),
  breakAfter: N_('A free slot after this many meetings in a row'),
  sideMeetingsFrom: N_('Side meetings from'),
  sideMeetingsUntil: N_('Side meetings until'),
  rooms: N_('Rooms'),
  sessions: N_('Sessions'),
  noMeetingWindows: N_('Times with no side meetings'),
  roles: N_('Roles'),
  deadlineDate: N_('Deadline'),
  extendDate: N_('New deadline'),
  extendTime: N_('New deadline time'),
  deadlineReason: N_('Why the deadline changes'),
  summary: N_('What you offer, in one line'),
  question: N_('Your question'),
  details: N_('How you would help'),
  offerCategories: N_('What you offer'),
  modality: N_('How'),
  funding: N_('Funding'),
  timeZone: N_('Time zone'),
  categories: N_('Categories of requests you can help with'),
  day: N_('Day'),
  from: N_('From'),
  until: N_('Until'),
  marketplace: N_('Marketplace'),
  theme: N_('Theme'),
  language: N_('Language'),
  status: N_('Status'),
  q: N_('Search'),
  note: N_('Note'),
  receipt: N_('The receipt (the whole JSON file)'),
  questionDays: N_("Questions close this many days before a request's deadline"),
  lateChangeDays: N_('A late change moves the deadline by this many days'),
  reviewHours: N_('Review window, in hours'),
  followupWeeks: N_('Ask whether the assistance started, weeks after the forum'),
  digest: N_('Email me a daily digest of new requests that fit these interests'),
  questionDeadlineDate: N_('Earlier close for questions'),
  questionDeadlineTime: N_('Time of the earlier close for questions'),
  deadlineTime: N_('Deadline time'),
  sealedResponses: N_('Sealed: requesters see responses only after the deadline'),
  responseId: N_('Offer without a meeting'),
  place: N_('New time and room'),
};

/** The cells of the agenda's rows (`session-3-title`, `role-0-organization`), as "Session 4, title". */
const rowLabels: Record<string, string> = { session: N_('Session {{n}}, {{column}}'), role: N_('Role {{n}}, {{column}}') };
const columnLabels: Record<string, string> = {
  code: N_('code'),
  title: N_('title'),
  date: N_('date'),
  start: N_('start'),
  end: N_('end'),
  session: N_('session'),
  organization: N_('organization'),
  role: N_('role'),
  note: N_('note'),
};

function labelFor(field: string, locale: string): string {
  const cell = /^(session|role)-(\d+)-(\w+)$/.exec(field);
  if (cell) return t(locale, rowLabels[cell[1]!]!, { n: Number(cell[2]) + 1, column: t(locale, columnLabels[cell[3]!] ?? cell[3]!) });
  // The answer to a question, one field per question on the request's page (`answer-<question id>`).
  if (field.startsWith('answer-')) return t(locale, 'Your answer');
  // The reason for rejecting an organization, one field per pending organization (`reason-<organization id>`).
  if (field.startsWith('reason-')) return t(locale, 'Why (told to its members)');
  const label = labels[field];
  return label ? t(locale, label) : field;
}

/**
 * The schemas' messages (English, e.g. "must be at least 20 characters") as translation keys: each
 * pattern's captures fill the key's {{placeholders}} in order. The rare message not listed stays English.
 */
const fieldMessages: Array<[RegExp, string]> = [
  [/^is required$/, N_('is required')],
  [/^is required for a government$/, N_('is required for a government')],
  [/^must be at least (\d+) characters$/, N_('must be at least {{min}} characters')],
  [/^must be at most (\d+) characters$/, N_('must be at most {{max}} characters')],
  [/^must be at least (\d+)$/, N_('must be at least {{min}}')],
  [/^must be at most (\d+)$/, N_('must be at most {{max}}')],
  // An enum's message lists its stored values (capacity_building): the pages never show those.
  [/^must be one of .+$/, N_('must be one of the options offered')],
  [/^(.+) is not a country: give its name or its ISO 3166 code, such as BD$/, N_('{{entry}} is not a country: give its name or its ISO 3166 code, such as BD')],
  [/^(.+) is not a language: give its name or its ISO 639-1 code, such as en or fr$/, N_('{{entry}} is not a language: give its name or its ISO 639-1 code, such as en or fr')],
  [/^must be a number$/, N_('must be a number')],
  [/^must be a whole number$/, N_('must be a whole number')],
  [/^must be a list$/, N_('must be a list')],
  [/^must not be empty$/, N_('must not be empty')],
  [/^must be plain text on one line$/, N_('must be plain text on one line')],
  [/^must name at least one country$/, N_('must name at least one country')],
  [/^must name at least one language$/, N_('must name at least one language')],
  [/^must name at least one category$/, N_('must name at least one category')],
  [/^must have at most (\d+) themes$/, N_('must have at most {{max}} themes')],
  [/^must be an ISO 3166 alpha-2 country code such as BD$/, N_('must be an ISO 3166 alpha-2 country code such as BD')],
  [/^must be an ISO 3166 alpha-2 country code$/, N_('must be an ISO 3166 alpha-2 country code')],
  [/^must be an ISO 3166 country code such as BD or BE$/, N_('must be an ISO 3166 country code such as BD or BE')],
  [/^must be an ISO 639-1 language code such as en or fr$/, N_('must be an ISO 639-1 language code such as en or fr')],
  [/^must be an ISO 639-1 language code$/, N_('must be an ISO 639-1 language code')],
  [/^must be an email address such as name@ministry\.gov$/, N_('must be an email address such as name@ministry.gov')],
  [/^must be in the future$/, N_('must be in the future')],
  [/^must be before the forum's first day$/, N_("must be before the forum's first day")],
  [/^is the deadline of requests already posted: extend it with "Extend the response deadline", which moves them and tells the people concerned$/, N_('is the deadline of requests already posted: extend it with "Extend the response deadline", which moves them and tells the people concerned')],
  [/^must be a date \(2007-06-20\), a local date and time \(2007-06-20T17:00\) or an ISO 8601 time with an offset$/, N_('must be a date (2007-06-20), a local date and time (2007-06-20T17:00) or an ISO 8601 time with an offset')],
  [/^must be a date such as 2007-07-09$/, N_('must be a date such as 2007-07-09')],
  [/^must be a real calendar date$/, N_('must be a real calendar date')],
  [/^must be a time such as 09:00$/, N_('must be a time such as 09:00')],
  [/^must be an IANA time zone such as Europe\/Brussels$/, N_('must be an IANA time zone such as Europe/Brussels')],
  [/^must be 2-63 lower-case letters, digits or dashes, such as gfmd-2007$/, N_('must be 2-63 lower-case letters, digits or dashes, such as gfmd-2007')],
  [/^must not name a room twice$/, N_('must not name a room twice')],
  [/^must not use a session code twice$/, N_('must not use a session code twice')],
  [/^must not be later than the marketplace's deadline \(([^)]+)\)$/, N_("must not be later than the marketplace's deadline ({{deadline}})")],
  [/^must not be later than the marketplace's deadline \(([^)]+)\); extend the marketplace instead$/, N_("must not be later than the marketplace's deadline ({{deadline}}); extend the marketplace instead")],
  [/^does not exist in (\S+) \(a clock change skips it\)$/, N_('does not exist in {{zone}} (a clock change skips it)')],
  [/^must be after the start$/, N_('must be after the start')],
  [/^must be after the opening$/, N_('must be after the opening')],
  [/^must not be before the first forum day$/, N_('must not be before the first forum day')],
  [/^must be after the start of the side meetings$/, N_('must be after the start of the side meetings')],
  [/^must have at most (\d+) entries$/, N_('must have at most {{max}} entries')],
  [/^is already used by another marketplace$/, N_('is already used by another marketplace')],
  [/^must be later than the current deadline \(([^)]+)\)$/, N_('must be later than the current deadline ({{deadline}})')],
  [/^does not exist in (\S+)$/, N_('does not exist in {{zone}}')],
  [/^is not a registered organization \((.+)\)$/, N_('is not a registered organization ({{organization}})')],
  [/^names session (.+), which is not in the agenda$/, N_('names session {{code}}, which is not in the agenda')],
  [/^must be a short code such as 1\.2$/, N_('must be a short code such as 1.2')],
];

/** An ISO 8601 time with its offset inside a message (the API's form, for programs): a form shows it as people read dates. */
const ISO_WITH_OFFSET = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2}:\d{2}/g;

/**
 * A page's filters (a search, a status, a cursor) read with their schema: the values, or, when one is
 * wrong, the messages beside its field in the reader's language and no values (the page then lists as
 * if none were given).
 */
export function readFilters<S extends z.ZodType>(schema: S, raw: unknown, locale: string): { data: z.output<S> | undefined; errors: Record<string, string> } {
  const parsed = schema.safeParse(raw);
  return parsed.success ? { data: parsed.data, errors: {} } : { data: undefined, errors: errorsByField(fieldErrorsFromZod(parsed.error), {}, locale) };
}

export function translateFieldMessage(message: string, locale: string): string {
  return readableTimes(translatedMessage(message, locale), locale);
}

function readableTimes(message: string, locale: string): string {
  return message.replace(ISO_WITH_OFFSET, (iso) => {
    const time = DateTime.fromISO(iso, { setZone: true });
    return time.isValid ? time.setLocale(locale).toLocaleString(DateTime.DATETIME_MED) : iso;
  });
}

/** A no-meeting time's row in the marketplace form ("row 2, end: must be after the start"; organizer-pages.ts). */
const WINDOW_ROW = /^row (\d+), (what happens then|date or start|end): (.+)$/;
const windowColumns: Record<string, string> = { 'what happens then': N_('what happens then'), 'date or start': N_('date or start'), end: N_('end') };

function translatedMessage(message: string, locale: string): string {
  if (locale === 'en') return /^must be one of .+$/.test(message) ? 'must be one of the options offered' : message;
  const row = WINDOW_ROW.exec(message);
  if (row) return t(locale, 'row {{row}}, {{column}}: {{message}}', { row: row[1]!, column: t(locale, windowColumns[row[2]!]!), message: translatedMessage(row[3]!, locale) });
  for (const [pattern, key] of fieldMessages) {
    const match = pattern.exec(message);
    if (!match) continue;
    const names = [...key.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
    const vars = Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? '']));
    return t(locale, key, vars);
  }
  return message;
}

/**
 * Runs a form's action; a refusal that names fields, or a conflict, shows the form again with the
 * values kept and the messages beside the fields. Anything else goes to the error page.
 */
export async function handleForm(
  res: Response,
  action: () => Promise<void>,
  showForm: (status: number, errors: Record<string, string>, formError?: string) => Promise<void> | void,
  aliases: Record<string, string> = {},
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError && error.errors?.length) return showForm(error.status, errorsByField(error.errors, aliases, localeOf(res.req)));
    if (error instanceof AppError && [403, 409, 429].includes(error.status)) return showForm(error.status, {}, error.detail);
    throw error;
  }
}

export function bodyOf(req: Request): FormValues {
  return (req.body ?? {}) as FormValues;
}
