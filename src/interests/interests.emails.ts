import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { requestCategoryLabels } from '../requests/requests.schemas.ts';
import { t } from '../i18n/i18n.ts';

function categoryLabel(category: string, locale: string): string {
  const label = requestCategoryLabels[category as keyof typeof requestCategoryLabels];
  return label ? t(locale, label) : category;
}

export function renderDigestEmail(
  input: {
    requests: Array<{ title: string; category: string; organization: string; deadline: Date; timeZone: string }>;
    answers?: Array<{ title: string; question: string; edited: boolean }>;
    url: string;
    preferencesUrl: string;
  },
  locale: string,
) {
  const n = input.requests.length;
  const answers = input.answers ?? [];
  return renderEmail(
    {
      subject:
        n > 0
          ? t(locale, '{{count}} new requests for assistance match your interests', { count: n })
          : t(locale, '{{count}} new answers on requests you follow', { count: answers.length }),
      paragraphs: [
        n > 0 ? t(locale, 'These requests were published since your last digest and fit the interests you set.') : t(locale, 'These questions were answered since your last digest, on requests you follow, responded to or asked about.'),
      ],
      lists: [
        {
          title: t(locale, 'New requests'),
          items: input.requests.map((r) =>
            t(locale, '{{title}} ({{organization}}; {{category}}); respond by {{deadline}}', {
              title: r.title,
              organization: r.organization,
              category: categoryLabel(r.category, locale),
              deadline: formatInZone(r.deadline, r.timeZone, locale),
            }),
          ),
        },
        {
          title: t(locale, 'New answers to questions'),
          items: answers.map((a) =>
            a.edited
              ? t(locale, '{{title}}: the answer to "{{question}}" was changed', { title: a.title, question: shorten(a.question, 140) })
              : t(locale, '{{title}}: "{{question}}" was answered', { title: a.title, question: shorten(a.question, 140) }),
          ),
        },
      ],
      action: { label: t(locale, 'Browse the requests'), url: input.url },
      footer: t(locale, 'You receive this daily digest because of your interests. Change them or stop the digest: {{url}}', { url: input.preferencesUrl }),
    },
    locale,
  );
}

/** A question as a digest line quotes it: at most `max` characters, on one line. */
function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

export function renderReminderEmail(input: { kind: '7d' | '24h'; title: string; deadline: Date; timeZone: string; url: string; hasDraft: boolean }, locale: string) {
  const deadline = formatInZone(input.deadline, input.timeZone, locale);
  const vars = { title: input.title, deadline };
  return renderEmail(
    {
      subject: input.kind === '7d' ? t(locale, 'Respond by {{deadline}}: "{{title}}" closes in 7 days', vars) : t(locale, 'Respond by {{deadline}}: "{{title}}" closes in 24 hours', vars),
      paragraphs: [
        input.hasDraft
          ? t(locale, 'You started a response to "{{title}}" but have not submitted it. The requester cannot see a draft.', vars)
          : input.kind === '7d'
            ? t(locale, 'You follow "{{title}}". Responses close in 7 days.', vars)
            : t(locale, 'You follow "{{title}}". Responses close in 24 hours.', vars),
      ],
      details: [{ label: t(locale, 'Deadline'), value: deadline }],
      action: { label: input.hasDraft ? t(locale, 'Finish and submit your response') : t(locale, 'Respond to the request'), url: input.url },
    },
    locale,
  );
}

export function renderNoResponseYetEmail(input: { title: string; deadline: Date; timeZone: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'No response yet to "{{title}}": 7 days left', { title: input.title }),
      paragraphs: [
        t(locale, 'Your request "{{title}}" has no response yet, and responses close in 7 days.', { title: input.title }),
        t(locale, 'Providers whose interests fit it have been told. A clearer title or a wider choice of languages can help; you can edit the request until the deadline.'),
      ],
      details: [{ label: t(locale, 'Deadline'), value: formatInZone(input.deadline, input.timeZone, locale) }],
      action: { label: t(locale, 'Edit your request'), url: input.url },
    },
    locale,
  );
}

export function renderNobodyAnsweredEmail(input: { title: string; organization: string; deadline: Date; timeZone: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'No one has answered "{{title}}" yet: can you help?', { title: input.title }),
      paragraphs: [t(locale, '{{organization}} asked for assistance that fits your interests, and no provider has responded yet. Responses close in 7 days.', { organization: input.organization })],
      details: [{ label: t(locale, 'Deadline'), value: formatInZone(input.deadline, input.timeZone, locale) }],
      action: { label: t(locale, 'Read the request'), url: input.url },
    },
    locale,
  );
}
