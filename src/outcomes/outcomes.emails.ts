import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { t } from '../i18n/i18n.ts';
import type { AssistanceStatus, MeetingOutcome } from '../../db/types.ts';
import { assistanceLabels, assistanceStatuses, meetingOutcomes, outcomeLabels } from './outcomes.schemas.ts';

/** After a meeting's end, to each side: one click says what came of it. */
export function renderOutcomeRequestEmail(input: { title: string; other: string; startsAt: Date; timeZone: string; links: Record<MeetingOutcome, string> }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your side meeting with {{organization}}: what came of it?', { organization: input.other }),
      paragraphs: [
        t(locale, 'Your side meeting with {{organization}} about "{{title}}" ({{time}}) has ended. One click tells the forum secretariat what came of it; the page that opens lets you add a note, and you can change your answer later.', {
          organization: input.other,
          title: input.title,
          time: formatInZone(input.startsAt, input.timeZone, locale),
        }),
      ],
      list: { title: t(locale, 'What came of it?'), items: meetingOutcomes.map((o) => `${t(locale, outcomeLabels[o])}: ${input.links[o]}`) },
    },
    locale,
  );
}

/** Some weeks after the forum, to the requester: did the assistance start? */
export function renderFollowupEmail(input: { title: string; marketplaceName: string; links: Record<AssistanceStatus, string> }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Did the assistance for "{{title}}" start?', { title: input.title }),
      paragraphs: [
        t(locale, 'Some weeks ago, at {{marketplace}}, your request "{{title}}" led to side meetings. Did the assistance start? One click answers; the page that opens lets you add a note.', { marketplace: input.marketplaceName, title: input.title }),
      ],
      list: { title: t(locale, 'Did the assistance start?'), items: assistanceStatuses.map((s) => `${t(locale, assistanceLabels[s])}: ${input.links[s]}`) },
    },
    locale,
  );
}
