import type { Request, Response } from 'express';
import countries from 'i18n-iso-countries';
import ISO6391 from 'iso-639-1';
import { AppError, type FieldError } from '../shared/errors.ts';

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

/** A language given by ISO 639-1 code or by its English or native name. */
export function languageCodeFromText(text: string): string {
  if (/^[A-Za-z]{2}$/.test(text)) return text.toLowerCase();
  const lower = text.toLowerCase();
  const match = ISO6391.getAllCodes().find((code) => ISO6391.getName(code).toLowerCase() === lower || ISO6391.getNativeName(code).toLowerCase() === lower);
  return match ?? text;
}

/** A number field: a number when it reads as one, else the text (the schema then names the field). */
export function numberOrText(value: unknown): number | string | undefined {
  const text = str(value).trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/**
 * Field errors for a form: the first message for each field, keyed by the form's field name.
 * `aliases` maps an API path's first part to the form field that holds it.
 */
export function errorsByField(errors: FieldError[], aliases: Record<string, string> = {}): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const [head, ...rest] = error.path.split('.');
    const field = aliases[head!] ?? head!;
    const where = rest.length && /^\d+$/.test(rest[0]!) ? ` (item ${Number(rest[0]) + 1})` : '';
    byField[field] ??= `${labelFor(field)}${where}: ${error.message}`;
  }
  return byField;
}

const labels: Record<string, string> = {
  title: 'Title',
  category: 'Category',
  themes: 'Themes',
  otherThemes: 'Other themes',
  description: 'What do you need',
  expectedOutcome: 'Expected outcome',
  countries: 'Countries',
  languages: 'Languages',
  maxMatches: 'Number of providers',
  responseDeadlineDate: 'Response deadline',
  email: 'Email address',
  name: 'Name',
  kind: 'Kind of organization',
  country: 'Country',
  personName: 'Your name',
  reason: 'Reason',
  slug: 'Address',
  opensAtDate: 'Opening',
  forumStartsAt: 'First forum day',
  forumEndsAt: 'Last forum day',
  meetingMinutes: 'Meeting length',
  sideMeetingsFrom: 'Side meetings from',
  sideMeetingsUntil: 'Side meetings until',
  rooms: 'Rooms',
  sessions: 'Sessions',
  roles: 'Roles',
  deadlineDate: 'Deadline',
  summary: 'What you offer',
  details: 'How you would help',
  offerCategories: 'What you offer',
  modality: 'How',
  funding: 'Funding',
  timeZone: 'Time zone',
};

function labelFor(field: string): string {
  return labels[field] ?? field;
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
    if (error instanceof AppError && error.errors?.length) return showForm(error.status, errorsByField(error.errors, aliases));
    if (error instanceof AppError && [403, 409, 429].includes(error.status)) return showForm(error.status, {}, error.detail);
    throw error;
  }
}

export function bodyOf(req: Request): FormValues {
  return (req.body ?? {}) as FormValues;
}
