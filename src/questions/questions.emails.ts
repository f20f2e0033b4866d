import { renderEmail } from '../email/render.ts';
import { formatInZone } from '../shared/time.ts';
import { t } from '../i18n/i18n.ts';

/** To the person who posted the request: a provider asked something. Who asked is not said. */
export function renderQuestionAskedEmail(input: { title: string; question: string; questionDeadline: Date; timeZone: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'A question about your request "{{title}}"', { title: input.title }),
      paragraphs: [
        t(locale, 'A provider asked a question about your request "{{title}}". Your answer is published on the request for every provider to read; who asked is not shown.', { title: input.title }),
        input.question,
      ],
      details: [{ label: t(locale, 'Questions close'), value: formatInZone(input.questionDeadline, input.timeZone, locale) }],
      action: { label: t(locale, 'Answer the question'), url: input.url },
    },
    locale,
  );
}

/** To the providers concerned: an answer was published (or changed) on a request they follow, answered or asked about. */
export function renderAnswerPublishedEmail(input: { title: string; question: string; answer: string; edited: boolean; url: string }, locale: string) {
  return renderEmail(
    {
      subject: input.edited ? t(locale, 'An answer was changed on "{{title}}"', { title: input.title }) : t(locale, 'A question on "{{title}}" was answered', { title: input.title }),
      paragraphs: [
        input.edited
          ? t(locale, 'An answer published on the request "{{title}}" was changed. The earlier version stays readable on the request.', { title: input.title })
          : t(locale, 'A question about the request "{{title}}" was answered. Every provider reads the same answer.', { title: input.title }),
      ],
      details: [
        { label: t(locale, 'Question'), value: input.question },
        { label: t(locale, 'Answer'), value: input.answer },
      ],
      action: { label: t(locale, 'Read the questions and answers'), url: input.url },
      footer: t(locale, 'You receive this because you follow this request, responded to it or asked about it.'),
    },
    locale,
  );
}
