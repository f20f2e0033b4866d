import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { Express } from 'express';
import { formatDate, formatInZone, formatRelative } from '../shared/time.ts';
import { countryName } from '../shared/reference-data.ts';
import { displayNow } from '../shared/clock.ts';
import { requestCategoryLabels } from '../requests/requests.schemas.ts';
import { organizationKindLabels } from '../organizations/organizations.schemas.ts';
import { fundingLabels, modalityLabels } from '../responses/responses.schemas.ts';
import { N_, t, translateKnown } from '../i18n/i18n.ts';
import { formatInZones, languageNameIn } from '../i18n/names.ts';
import { outcomeLabels } from '../outcomes/outcomes.schemas.ts';
import { explainReasons, type ScoreReason } from '../matching/score-words.ts';

const viewsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

/** Statuses of requests, responses, organizations, meetings (and their answers) and emails, as people read them. */
export const statusLabels: Record<string, string> = {
  submitted: N_('submitted'),
  open: N_('open'),
  rejected: N_('rejected'),
  withdrawn: N_('withdrawn'),
  closed: N_('closed'),
  matched: N_('matched'),
  draft: N_('draft'),
  not_matched: N_('not matched'),
  pending: N_('pending'),
  verified: N_('verified'),
  proposed: N_('proposed'),
  confirmed: N_('confirmed'),
  declined: N_('declined'),
  cancelled: N_('cancelled'),
  accepted: N_('accepted'),
  sending: N_('sending'),
  sent: N_('sent'),
  failed: N_('failed'),
};

/** What happened to a request, in its history. */
export const auditActionLabels: Record<string, string> = {
  create: N_('create'),
  edit: N_('edit'),
  deadline: N_('deadline'),
  publish: N_('publish'),
  reject: N_('reject'),
  withdraw: N_('withdraw'),
  close: N_('close'),
  reopen: N_('reopen'),
  match: N_('match'),
  answer: N_('answer a question'),
  'answer-edit': N_('change an answer'),
};

export const sessionRoleLabels: Record<string, string> = {
  chair: N_('chair'),
  coordinator: N_('coordinator'),
  rapporteur: N_('rapporteur'),
  speaker: N_('speaker'),
  discussant: N_('discussant'),
  co_organizer: N_('co-organizer'),
  contributor: N_('contributor'),
};

/** A filter's `this`: nunjucks calls filters with the template's context, which holds the page's locale. */
interface FilterThis {
  ctx?: { locale?: string };
}

function localeOf(self: FilterThis | undefined): string {
  return self?.ctx?.locale ?? 'en';
}

/** A code's label in the page's language; an unknown code shows as itself. */
function labelIn(self: FilterThis, labels: Record<string, string>, code: string): string {
  const label = labels[code];
  return label ? t(localeOf(self), label) : code;
}

/**
 * Server-rendered pages: nunjucks with autoescape on, so every value (and every translation, which is
 * plain text) is HTML-escaped by default. Filters read the page's locale from the template context.
 */
export function configureViews(app: Express): nunjucks.Environment {
  const env = nunjucks.configure(viewsFolder, { autoescape: true, express: app, noCache: process.env.NODE_ENV === 'development' });
  app.set('view engine', 'njk');
  // A Date, or an ISO 8601 string as stored in an audit row's detail.
  env.addFilter('inZone', function (this: FilterThis, d: Date | string | null, tz: string) {
    return d ? formatInZone(d instanceof Date ? d : new Date(d), tz, localeOf(this)) : '';
  });
  env.addFilter('relative', function (this: FilterThis, d: Date | null, now?: Date) {
    return d ? formatRelative(d, now ?? displayNow(), localeOf(this)) : '';
  });
  // "17:00 (UTC+02:00, Europe/Brussels) · 11:00 your time (America/New_York)"
  env.addFilter('inZones', function (this: FilterThis, d: Date | null, tz: string, readerTz?: string | null) {
    return d ? formatInZones(d, tz, readerTz, localeOf(this)) : '';
  });
  env.addFilter('localDate', function (this: FilterThis, d: string | null) {
    return d ? formatDate(d, localeOf(this)) : '';
  });
  env.addFilter('country', function (this: FilterThis, code: string) {
    return countryName(code, localeOf(this));
  });
  env.addFilter('language', function (this: FilterThis, code: string) {
    return languageNameIn(code, localeOf(this));
  });
  env.addFilter('category', function (this: FilterThis, c: string) {
    return labelIn(this, requestCategoryLabels, c);
  });
  env.addFilter('orgKind', function (this: FilterThis, k: string) {
    return labelIn(this, organizationKindLabels, k);
  });
  env.addFilter('modality', function (this: FilterThis, m: string) {
    return labelIn(this, modalityLabels, m);
  });
  env.addFilter('funding', function (this: FilterThis, f: string) {
    return labelIn(this, fundingLabels, f);
  });
  env.addFilter('statusLabel', function (this: FilterThis, s: string) {
    return statusLabels[s] ? t(localeOf(this), statusLabels[s]) : String(s).replace(/_/g, ' ');
  });
  env.addFilter('auditAction', function (this: FilterThis, a: string) {
    return labelIn(this, auditActionLabels, a);
  });
  env.addFilter('meetingOutcome', function (this: FilterThis, o: string) {
    return labelIn(this, outcomeLabels, o);
  });
  env.addFilter('sessionRole', function (this: FilterThis, r: string) {
    return labelIn(this, sessionRoleLabels, r);
  });
  // Why a factor of a meeting's score earned its points, in the page's language (a meeting scored
  // before the reasons were stored keeps its English sentence).
  env.addFilter('scoreExplanation', function (this: FilterThis, p: { explanation: string; reasons?: ScoreReason[] }) {
    return p.reasons ? explainReasons(p.reasons, localeOf(this)) : p.explanation;
  });
  // Text made elsewhere (a service's error detail): translated when the catalog has that sentence.
  env.addFilter('known', function (this: FilterThis, text: string | null | undefined) {
    return text ? translateKnown(localeOf(this), text) : '';
  });
  return env;
}
