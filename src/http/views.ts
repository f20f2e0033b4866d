import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { Express } from 'express';
import { formatInZone, formatRelative } from '../shared/time.ts';
import { countryName, languageName } from '../shared/reference-data.ts';
import { displayNow } from '../shared/clock.ts';
import { requestCategoryLabels } from '../requests/requests.schemas.ts';
import { organizationKindLabels } from '../organizations/organizations.schemas.ts';
import { fundingLabels, modalityLabels } from '../responses/responses.schemas.ts';

const viewsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

/** Server-rendered pages: nunjucks with autoescape on, so every value is HTML-escaped by default. */
export function configureViews(app: Express): nunjucks.Environment {
  const env = nunjucks.configure(viewsFolder, { autoescape: true, express: app, noCache: process.env.NODE_ENV === 'development' });
  app.set('view engine', 'njk');
  env.addFilter('inZone', (d: Date | null, tz: string) => (d ? formatInZone(d, tz) : ''));
  env.addFilter('relative', (d: Date | null, now?: Date) => (d ? formatRelative(d, now ?? displayNow()) : ''));
  // "17:00 (UTC+02:00, Europe/Brussels) · 11:00 your time (America/New_York)"
  env.addFilter('inZones', (d: Date | null, tz: string, readerTz?: string | null) => {
    if (!d) return '';
    const there = formatInZone(d, tz);
    return readerTz && readerTz !== tz ? `${there}; ${formatInZone(d, readerTz)} your time` : there;
  });
  env.addFilter('isoDate', (d: Date | null) => (d ? d.toISOString() : ''));
  env.addFilter('country', (code: string) => countryName(code));
  env.addFilter('language', (code: string) => languageName(code));
  env.addFilter('category', (c: keyof typeof requestCategoryLabels) => requestCategoryLabels[c] ?? c);
  env.addFilter('orgKind', (k: keyof typeof organizationKindLabels) => organizationKindLabels[k] ?? k);
  env.addFilter('modality', (m: keyof typeof modalityLabels) => modalityLabels[m] ?? m);
  env.addFilter('funding', (f: keyof typeof fundingLabels) => fundingLabels[f] ?? f);
  env.addFilter('statusLabel', (s: string) => s.replace(/_/g, ' '));
  return env;
}
