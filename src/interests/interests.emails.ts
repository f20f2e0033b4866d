import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { requestCategoryLabels } from '../requests/requests.schemas.ts';

export function renderDigestEmail(input: { requests: Array<{ title: string; category: string; organization: string; deadline: Date; timeZone: string }>; url: string; preferencesUrl: string }) {
  const n = input.requests.length;
  return renderEmail({
    subject: `${n} new request${n === 1 ? '' : 's'} for assistance match your interests`,
    paragraphs: ['These requests were published since your last digest and fit the interests you set.'],
    list: {
      title: 'New requests',
      items: input.requests.map(
        (r) => `${r.title} (${r.organization}; ${requestCategoryLabels[r.category as keyof typeof requestCategoryLabels] ?? r.category}); respond by ${formatInZone(r.deadline, r.timeZone)}`,
      ),
    },
    action: { label: 'Browse the requests', url: input.url },
    footer: `You receive this daily digest because of your interests. Change them or stop the digest: ${input.preferencesUrl}`,
  });
}

export function renderReminderEmail(input: { kind: '7d' | '24h'; title: string; deadline: Date; timeZone: string; url: string; hasDraft: boolean }) {
  const when = input.kind === '7d' ? 'in 7 days' : 'in 24 hours';
  return renderEmail({
    subject: `Respond by ${formatInZone(input.deadline, input.timeZone)}: "${input.title}" closes ${when}`,
    paragraphs: [
      input.hasDraft
        ? `You started a response to "${input.title}" but have not submitted it. The requester cannot see a draft.`
        : `You follow "${input.title}". Responses close ${when}.`,
    ],
    details: [{ label: 'Deadline', value: formatInZone(input.deadline, input.timeZone) }],
    action: { label: input.hasDraft ? 'Finish and submit your response' : 'Respond to the request', url: input.url },
  });
}

export function renderNoResponseYetEmail(input: { title: string; deadline: Date; timeZone: string; url: string }) {
  return renderEmail({
    subject: `No response yet to "${input.title}": 7 days left`,
    paragraphs: [
      `Your request "${input.title}" has no response yet, and responses close in 7 days.`,
      'Providers whose interests fit it have been told. A clearer title or a wider choice of languages can help; you can edit the request until the deadline.',
    ],
    details: [{ label: 'Deadline', value: formatInZone(input.deadline, input.timeZone) }],
    action: { label: 'Edit your request', url: input.url },
  });
}

export function renderNobodyAnsweredEmail(input: { title: string; organization: string; deadline: Date; timeZone: string; url: string }) {
  return renderEmail({
    subject: `No one has answered "${input.title}" yet: can you help?`,
    paragraphs: [`${input.organization} asked for assistance that fits your interests, and no provider has responded yet. Responses close in 7 days.`],
    details: [{ label: 'Deadline', value: formatInZone(input.deadline, input.timeZone) }],
    action: { label: 'Read the request', url: input.url },
  });
}
