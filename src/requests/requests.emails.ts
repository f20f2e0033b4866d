import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { t } from '../i18n/i18n.ts';
import { formatInZones } from '../i18n/names.ts';

interface RequestSummary {
  title: string;
  marketplaceName: string;
  responseDeadline: Date;
  timeZone: string;
  url: string;
}

function deadlineDetail(r: RequestSummary, locale: string) {
  return { label: t(locale, 'Response deadline'), value: formatInZone(r.responseDeadline, r.timeZone, locale) };
}

export function renderRequestReceivedEmail(r: RequestSummary, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'We received your request "{{title}}": it awaits moderation', { title: r.title }),
      paragraphs: [
        t(
          locale,
          'Your request "{{title}}" for {{marketplace}} was received. The forum secretariat reviews each request before providers can see it; you will get an email when it is published.',
          { title: r.title, marketplace: r.marketplaceName },
        ),
        t(locale, 'Until the deadline you can edit or withdraw it.'),
      ],
      details: [deadlineDetail(r, locale)],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

export function renderRequestAwaitingModerationEmail(r: RequestSummary & { organizationName: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Review a new request from {{organization}}: "{{title}}"', { organization: r.organizationName, title: r.title }),
      paragraphs: [t(locale, '{{organization}} posted a request to {{marketplace}}. Publish it so providers can respond, or reject it with a reason.', { organization: r.organizationName, marketplace: r.marketplaceName })],
      details: [deadlineDetail(r, locale)],
      action: { label: t(locale, 'Review the request'), url: r.url },
    },
    locale,
  );
}

export function renderRequestPublishedEmail(r: RequestSummary, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your request "{{title}}" is published: providers can now respond', { title: r.title }),
      paragraphs: [t(locale, "The forum secretariat published your request. Providers can respond until the deadline; you will see their responses on the request's page.")],
      details: [deadlineDetail(r, locale)],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

/** To the requester: not published, or (`wasPublished`) taken off the marketplace after it was, with the secretariat's reason. */
export function renderRequestRejectedEmail(r: RequestSummary & { reason: string; wasPublished?: boolean }, locale: string) {
  return renderEmail(
    {
      subject: r.wasPublished
        ? t(locale, 'Your request "{{title}}" was removed from the marketplace: see the reason', { title: r.title })
        : t(locale, 'Your request "{{title}}" was not published: see the reason', { title: r.title }),
      paragraphs: [
        r.wasPublished
          ? `${t(locale, 'The forum secretariat removed your request from {{marketplace}}.', { marketplace: r.marketplaceName })} ${t(locale, 'Providers no longer see it, and the responses it had will not be matched.')}`
          : t(locale, 'The forum secretariat did not publish your request to {{marketplace}}.', { marketplace: r.marketplaceName }),
        t(locale, 'Their reason: {{reason}}', { reason: r.reason }),
        t(locale, 'You can post a new request that addresses it.'),
      ],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

/** To the requester, when the forum secretariat edited its request. */
export function renderRequestEditedBySecretariatEmail(r: RequestSummary, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'The forum secretariat edited your request "{{title}}"', { title: r.title }),
      paragraphs: [t(locale, 'The forum secretariat changed your request at {{marketplace}}. Read it as it stands now, and change it back or write to the secretariat if something is wrong.', { marketplace: r.marketplaceName })],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

/** To the requester, when the forum secretariat withdrew its published request. */
export function renderRequestWithdrawnForRequesterEmail(r: RequestSummary & { wasPublished: boolean }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your request "{{title}}" was withdrawn by the forum secretariat', { title: r.title }),
      paragraphs: [
        t(locale, 'The forum secretariat withdrew your request from {{marketplace}}.', { marketplace: r.marketplaceName }),
        ...(r.wasPublished ? [t(locale, 'Providers no longer see it, and the responses it had will not be matched.')] : []),
      ],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

/** To a provider that answered (or drafted an answer to) a request, and to its followers, when it is withdrawn or removed. */
export function renderRequestGoneEmail(r: RequestSummary & { by: 'requester' | 'secretariat' }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'No longer open: "{{title}}"', { title: r.title }),
      paragraphs: [
        r.by === 'requester'
          ? t(locale, 'The government that posted "{{title}}" at {{marketplace}} withdrew it.', { title: r.title, marketplace: r.marketplaceName })
          : t(locale, 'The forum secretariat took "{{title}}" off {{marketplace}}.', { title: r.title, marketplace: r.marketplaceName }),
        t(locale, 'Your response to it, or the draft you started, will not be matched, and nothing more is needed from you. Your other responses are not affected.'),
      ],
    },
    locale,
  );
}

export function renderRequestClosedForRequesterEmail(
  r: RequestSummary & { responses: Array<{ organization: string; summary: string }>; matchingAt: Date; readerTimeZone?: string | null },
  locale: string,
) {
  const n = r.responses.length;
  const matchingAt = formatInZones(r.matchingAt, r.timeZone, r.readerTimeZone, locale);
  return renderEmail(
    {
      subject: t(locale, '"{{title}}" closed with {{count}} responses: mark the ones you prefer', { title: r.title, count: n }),
      paragraphs: [
        n > 0
          ? t(locale, 'Responses to your request are closed. {{count}} providers responded. Read them and mark the ones you prefer (must meet, would like, not this one) until {{time}}: then the matching run schedules the side meetings at the forum.', { count: n, time: matchingAt })
          : t(locale, 'Responses to your request are closed. No provider responded this time; the forum secretariat can advise on next steps.'),
      ],
      ...(n > 0 ? { list: { title: t(locale, 'Responses'), items: r.responses.map((x) => t(locale, '{{organization}}: {{summary}}', { organization: x.organization, summary: x.summary })) } } : {}),
      details: [{ label: t(locale, 'Matching'), value: t(locale, 'after {{time}}', { time: matchingAt }) }],
      action: { label: t(locale, 'Read the responses'), url: r.url },
    },
    locale,
  );
}

/** To the requester of a request whose deadline passed before the secretariat reviewed it (once per deadline). */
export function renderRequestUnreviewedEmail(r: RequestSummary & { readerTimeZone?: string | null }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, '"{{title}}" was not published before its deadline', { title: r.title }),
      paragraphs: [
        t(locale, 'The response deadline of your request to {{marketplace}} passed before the forum secretariat reviewed it, so it was not published and no provider saw it.', { marketplace: r.marketplaceName }),
        t(locale, 'The secretariat can still move its deadline and publish it. Write to them if you still need this assistance, or post a new request.'),
      ],
      details: [{ label: t(locale, 'Response deadline'), value: formatInZones(r.responseDeadline, r.timeZone, r.readerTimeZone, locale) }],
      action: { label: t(locale, 'View your request'), url: r.url },
    },
    locale,
  );
}

export function renderRequestClosedForResponderEmail(r: RequestSummary & { matchingAt: Date; readerTimeZone?: string | null }, locale: string) {
  const matchingAt = formatInZones(r.matchingAt, r.timeZone, r.readerTimeZone, locale);
  return renderEmail(
    {
      subject: t(locale, '"{{title}}" closed: matching follows after {{time}}', { title: r.title, time: matchingAt }),
      paragraphs: [
        t(locale, 'Responses to this request are closed, and yours is among them. The matching run chooses the providers who meet the requester at the forum and schedules the side meetings; you will get an email either way.'),
      ],
      details: [{ label: t(locale, 'Matching'), value: t(locale, 'after {{time}}', { time: matchingAt }) }],
      action: { label: t(locale, 'View the request'), url: r.url },
    },
    locale,
  );
}

export function renderDeadlineChangedEmail(r: RequestSummary & { previous: Date; lateChangeDays?: number | null; reason?: string | null }, locale: string) {
  const deadline = formatInZone(r.responseDeadline, r.timeZone, locale);
  return renderEmail(
    {
      subject: t(locale, 'New deadline for "{{title}}": {{deadline}}', { title: r.title, deadline }),
      paragraphs: [
        r.lateChangeDays
          ? t(locale, 'The requester changed what "{{title}}" asks less than {{count}} days before its deadline. To give providers time to take the change into account, the deadline moved to {{count}} days after the change.', { title: r.title, count: r.lateChangeDays })
          : t(locale, 'The forum secretariat moved the response deadline of "{{title}}".', { title: r.title }),
        ...(r.reason ? [t(locale, '{{label}}: {{value}}', { label: t(locale, 'Reason'), value: r.reason })] : []),
      ],
      details: [
        { label: t(locale, 'New deadline'), value: deadline },
        { label: t(locale, 'Previous deadline'), value: formatInZone(r.previous, r.timeZone, locale) },
      ],
      action: { label: t(locale, 'View the request'), url: r.url },
    },
    locale,
  );
}
