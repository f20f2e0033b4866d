import { renderEmail, type RenderedEmail } from '../email/render.ts';
import { t } from '../i18n/i18n.ts';

export function renderSignInEmail(link: string, validMinutes: number, locale: string): RenderedEmail {
  return renderEmail(
    {
      subject: t(locale, 'Your sign-in link for Forum Marketplace'),
      paragraphs: [
        t(locale, 'Someone (we hope you) asked to sign in to Forum Marketplace with this email address.'),
        t(locale, 'The link works once and for {{minutes}} minutes. If you did not ask for it, ignore this email: nobody can sign in without it.', { minutes: validMinutes }),
      ],
      action: { label: t(locale, 'Sign in'), url: link },
    },
    locale,
  );
}
