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
