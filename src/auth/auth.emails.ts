import { renderEmail, type RenderedEmail } from '../email/render.ts';

export function renderSignInEmail(link: string, validMinutes: number): RenderedEmail {
  return renderEmail({
    subject: 'Your sign-in link for Forum Marketplace',
    paragraphs: [
      'Someone (we hope you) asked to sign in to Forum Marketplace with this email address.',
      `The link works once and for ${validMinutes} minutes. If you did not ask for it, ignore this email: nobody can sign in without it.`,
    ],
    action: { label: 'Sign in', url: link },
  });
}
