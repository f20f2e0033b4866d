import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { t } from '../i18n/i18n.ts';

export function renderResponseReceivedEmail(r: { requestTitle: string; providerName: string; summary: string; url: string; responseCount: number }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, '{{provider}} responded to "{{title}}"', { provider: r.providerName, title: r.requestTitle }),
      paragraphs: [
        t(locale, '{{provider}} offered: {{summary}}', { provider: r.providerName, summary: r.summary }),
        t(locale, 'Your request has {{count}} responses so far. You can mark the ones you prefer before matching.', { count: r.responseCount }),
      ],
      action: { label: t(locale, 'Read the responses'), url: r.url },
    },
    locale,
  );
}

export function renderResponseEditedEmail(r: { requestTitle: string; at: Date; timeZone: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your edit to your response to "{{title}}" is saved', { title: r.requestTitle }),
      paragraphs: [t(locale, 'The signed receipt of this version is attached. Anyone can check it on the marketplace’s receipt page.')],
      details: [{ label: t(locale, 'Saved'), value: formatInZone(r.at, r.timeZone, locale) }],
      action: { label: t(locale, 'View your response'), url: r.url },
    },
    locale,
  );
}

export function renderResponseSubmittedEmail(r: { requestTitle: string; deadline: Date; timeZone: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your response to "{{title}}" is submitted', { title: r.requestTitle }),
      paragraphs: [t(locale, 'Thank you. The requester will see your response. You can edit or withdraw it until the deadline.'), t(locale, 'The signed receipt of your submission is attached. Anyone can check it on the marketplace’s receipt page.')],
      details: [{ label: t(locale, 'Deadline'), value: formatInZone(r.deadline, r.timeZone, locale) }],
      action: { label: t(locale, 'View your response'), url: r.url },
    },
    locale,
  );
}
