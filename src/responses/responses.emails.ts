import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';

export function renderResponseReceivedEmail(r: { requestTitle: string; providerName: string; summary: string; url: string; responseCount: number }) {
  return renderEmail({
    subject: `${r.providerName} responded to "${r.requestTitle}"`,
    paragraphs: [
      `${r.providerName} offered: ${r.summary}`,
      `Your request has ${r.responseCount} response${r.responseCount === 1 ? '' : 's'} so far. You can mark the ones you prefer before matching.`,
    ],
    action: { label: 'Read the responses', url: r.url },
  });
}

export function renderResponseSubmittedEmail(r: { requestTitle: string; deadline: Date; timeZone: string; url: string }) {
  return renderEmail({
    subject: `Your response to "${r.requestTitle}" is submitted`,
    paragraphs: ['Thank you. The requester will see your response. You can edit or withdraw it until the deadline.'],
    details: [{ label: 'Deadline', value: formatInZone(r.deadline, r.timeZone) }],
    action: { label: 'View your response', url: r.url },
  });
}
