import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';

interface RequestSummary {
  title: string;
  marketplaceName: string;
  responseDeadline: Date;
  timeZone: string;
  url: string;
}

export function renderRequestReceivedEmail(r: RequestSummary) {
  return renderEmail({
    subject: `We received your request "${r.title}": it awaits moderation`,
    paragraphs: [
      `Your request "${r.title}" for ${r.marketplaceName} was received. The forum secretariat reviews each request before providers can see it; you will get an email when it is published.`,
      'Until the deadline you can edit or withdraw it.',
    ],
    details: [{ label: 'Response deadline', value: formatInZone(r.responseDeadline, r.timeZone) }],
    action: { label: 'View your request', url: r.url },
  });
}

export function renderRequestAwaitingModerationEmail(r: RequestSummary & { organizationName: string }) {
  return renderEmail({
    subject: `Review a new request from ${r.organizationName}: "${r.title}"`,
    paragraphs: [`${r.organizationName} posted a request to ${r.marketplaceName}. Publish it so providers can respond, or reject it with a reason.`],
    details: [{ label: 'Response deadline', value: formatInZone(r.responseDeadline, r.timeZone) }],
    action: { label: 'Review the request', url: r.url },
  });
}

export function renderRequestPublishedEmail(r: RequestSummary) {
  return renderEmail({
    subject: `Your request "${r.title}" is published: providers can now respond`,
    paragraphs: [`The forum secretariat published your request. Providers can respond until the deadline; you will see their responses on the request's page.`],
    details: [{ label: 'Response deadline', value: formatInZone(r.responseDeadline, r.timeZone) }],
    action: { label: 'View your request', url: r.url },
  });
}

export function renderRequestRejectedEmail(r: RequestSummary & { reason: string }) {
  return renderEmail({
    subject: `Your request "${r.title}" was not published: see the reason`,
    paragraphs: [`The forum secretariat did not publish your request to ${r.marketplaceName}.`, `Their reason: ${r.reason}`, 'You can post a new request that addresses it.'],
    action: { label: 'View your request', url: r.url },
  });
}

export function renderRequestClosedForRequesterEmail(r: RequestSummary & { responses: Array<{ organization: string; summary: string }>; matchingAt: Date }) {
  const n = r.responses.length;
  return renderEmail({
    subject: `"${r.title}" closed with ${n} response${n === 1 ? '' : 's'}: mark the ones you prefer`,
    paragraphs: [
      n > 0
        ? `Responses to your request are closed. ${n} provider${n === 1 ? '' : 's'} responded. Mark the ones you prefer before the matching run; it schedules side meetings at the forum.`
        : 'Responses to your request are closed. No provider responded this time; the forum secretariat can advise on next steps.',
    ],
    ...(n > 0 ? { list: { title: 'Responses', items: r.responses.map((x) => `${x.organization}: ${x.summary}`) } } : {}),
    details: [{ label: 'Matching', value: `after ${formatInZone(r.matchingAt, r.timeZone)}` }],
    action: { label: 'Read the responses', url: r.url },
  });
}

export function renderRequestClosedForResponderEmail(r: RequestSummary & { matchingAt: Date }) {
  return renderEmail({
    subject: `"${r.title}" closed: matching follows after ${formatInZone(r.matchingAt, r.timeZone)}`,
    paragraphs: [
      'Responses to this request are closed, and yours is among them. The matching run chooses the providers who meet the requester at the forum and schedules the side meetings; you will get an email either way.',
    ],
    details: [{ label: 'Matching', value: `after ${formatInZone(r.matchingAt, r.timeZone)}` }],
    action: { label: 'View the request', url: r.url },
  });
}

export function renderDeadlineChangedEmail(r: RequestSummary & { previous: Date }) {
  return renderEmail({
    subject: `New deadline for "${r.title}": ${formatInZone(r.responseDeadline, r.timeZone)}`,
    paragraphs: [`The forum secretariat moved the response deadline of "${r.title}".`],
    details: [
      { label: 'New deadline', value: formatInZone(r.responseDeadline, r.timeZone) },
      { label: 'Previous deadline', value: formatInZone(r.previous, r.timeZone) },
    ],
    action: { label: 'View the request', url: r.url },
  });
}
