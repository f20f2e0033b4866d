import { renderEmail } from '../email/render.ts';
import { t } from '../i18n/i18n.ts';

/** `kind` comes translated (a label such as "Government"). */
export function renderOrganizationAwaitingVerificationEmail(input: { organizationName: string; kind: string; country: string | null; email: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Verify {{organization}}: a new organization is waiting', { organization: input.organizationName }),
      paragraphs: [t(locale, '{{email}} signed up for {{organization}}. It can browse, but cannot post or respond until you verify it.', { email: input.email, organization: input.organizationName })],
      details: [
        { label: t(locale, 'Organization'), value: input.organizationName },
        { label: t(locale, 'Kind'), value: input.kind },
        { label: t(locale, 'Country'), value: input.country ?? '—' },
      ],
      action: { label: t(locale, 'Review organizations'), url: input.url },
    },
    locale,
  );
}

export function renderOrganizationVerifiedEmail(input: { organizationName: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, '{{organization}} is verified: you can now take part in the marketplace', { organization: input.organizationName }),
      paragraphs: [t(locale, 'The forum secretariat verified {{organization}}. You can now post requests or respond to them.', { organization: input.organizationName })],
      action: { label: t(locale, 'Open the marketplace'), url: input.url },
    },
    locale,
  );
}

export function renderOrganizationRejectedEmail(input: { organizationName: string; reason: string; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, '{{organization}} was not verified', { organization: input.organizationName }),
      paragraphs: [
        t(locale, 'The forum secretariat did not verify {{organization}}, so its members cannot post or respond in the marketplace.', { organization: input.organizationName }),
        t(locale, '{{label}}: {{value}}', { label: t(locale, 'Reason'), value: input.reason }),
        t(locale, 'If something was entered wrongly, write to the forum secretariat, or register the organization again with the right details.'),
      ],
      action: { label: t(locale, 'Your organization'), url: input.url },
    },
    locale,
  );
}

/** To a person the secretariat did not take as a member of the organization they asked to join. */
export function renderMembershipRefusedEmail(input: { organizationName: string; reason: string | null; url: string }, locale: string) {
  return renderEmail(
    {
      subject: t(locale, 'Your request to act for {{organization}} was not accepted', { organization: input.organizationName }),
      paragraphs: [
        t(locale, 'The forum secretariat did not confirm that you act for {{organization}}, so you are not its member in the marketplace.', { organization: input.organizationName }),
        ...(input.reason ? [t(locale, '{{label}}: {{value}}', { label: t(locale, 'Reason'), value: input.reason })] : []),
        t(locale, 'If you act for another organization, or this was a mistake, name your organization again on your account page; the secretariat will see it.'),
      ],
      action: { label: t(locale, 'Your organization'), url: input.url },
    },
    locale,
  );
}
