import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { isSupportedLocale, t, type TranslationVars } from '../i18n/i18n.ts';
import { oncePerKey } from '../shared/once-per-key.ts';

/**
 * One email, written once as blocks; `renderEmail` makes the text part and the HTML part from the same
 * blocks, so the two never say different things.
 */
export interface EmailContent {
  subject: string;
  greeting?: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  details?: Array<{ label: string; value: string }>;
  list?: { title: string; items: string[] };
  /** More lists after `list`, each with its title; an empty one is left out. */
  lists?: Array<{ title: string; items: string[] }>;
  /**
   * Whole emails carried inside this one (a batch of confirmations), after its own blocks: each with its
   * subject as title, its text part, and its HTML content as rendered by this module (`emailContentHtml`).
   */
  sections?: Array<{ title: string; text: string; html: string }>;
  footer?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const templates = new nunjucks.Environment(
  new nunjucks.FileSystemLoader(path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates')),
  { autoescape: true, throwOnUndefined: false },
);

/** What separates an email's text from its footer. */
const FOOTER_SEPARATOR = '\n--\n';

/** An email's text part without its footer: what another email carrying it repeats. */
export function emailContentText(text: string): string {
  const end = text.lastIndexOf(FOOTER_SEPARATOR);
  return end >= 0 ? text.slice(0, end) : text;
}

/**
 * The content of an HTML part this module rendered, between its markers, without the frame: what
 * another email carrying it repeats. Null for a body without the markers (rendered before they existed).
 */
export function emailContentHtml(html: string): string | null {
  const match = /<!--content-->([\s\S]*)<!--\/content-->/.exec(html);
  return match ? match[1]!.trim() : null;
}

/** Removes line breaks so no header can be injected through a subject. */
export function singleLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}

/**
 * The text and HTML parts from the same blocks, in the recipient's language (`locale`: the blocks come
 * translated; the frame's own words, the labels' punctuation and the html lang follow it).
 */
export function renderEmail(content: EmailContent, locale = 'en'): RenderedEmail {
  const lines: string[] = [];
  if (content.greeting) lines.push(content.greeting, '');
  for (const paragraph of content.paragraphs) lines.push(paragraph, '');
  if (content.details?.length) {
    for (const d of content.details) lines.push(t(locale, '{{label}}: {{value}}', { label: d.label, value: d.value }));
    lines.push('');
  }
  const lists = [...(content.list ? [content.list] : []), ...(content.lists ?? []).filter((l) => l.items.length > 0)];
  for (const list of lists) {
    lines.push(list.title);
    for (const item of list.items) lines.push(`- ${item}`);
    lines.push('');
  }
  if (content.action) lines.push(t(locale, '{{label}}:', { label: content.action.label }), content.action.url, '');
  for (const section of content.sections ?? []) lines.push(`== ${singleLine(section.title)} ==`, '', section.text.trimEnd(), '');
  lines.push(FOOTER_SEPARATOR.trim(), content.footer ?? 'Forum Marketplace');
  return {
    subject: singleLine(content.subject),
    text: lines.join('\n'),
    html: templates.render('email.njk', {
      ...content,
      lists,
      subject: singleLine(content.subject),
      locale: isSupportedLocale(locale) ? locale : 'en',
      t: (key: string, vars?: TranslationVars) => t(locale, key, vars),
    }),
  };
}

/**
 * An email that differs between recipients only by their language, rendered once per language:
 * `oncePerLocale((locale) => renderX(facts, locale))` gives a function of the locale that caches.
 */
export function oncePerLocale<T>(render: (locale: string) => T): (locale: string) => T {
  return oncePerKey(render);
}
