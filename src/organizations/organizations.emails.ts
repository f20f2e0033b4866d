import { renderEmail } from '../email/render.ts';

export function renderOrganizationAwaitingVerificationEmail(input: { organizationName: string; kind: string; country: string | null; email: string; url: string }) {
  return renderEmail({
    subject: `Verify ${input.organizationName}: a new organization is waiting`,
    paragraphs: [`${input.email} signed up for ${input.organizationName}. It can browse, but cannot post or respond until you verify it.`],
    details: [
      { label: 'Organization', value: input.organizationName },
      { label: 'Kind', value: input.kind },
      { label: 'Country', value: input.country ?? '—' },
    ],
    action: { label: 'Review organizations', url: input.url },
  });
}

export function renderOrganizationVerifiedEmail(input: { organizationName: string; url: string }) {
  return renderEmail({
    subject: `${input.organizationName} is verified: you can now take part in the marketplace`,
    paragraphs: [`The forum secretariat verified ${input.organizationName}. You can now post requests or respond to them.`],
    action: { label: 'Open the marketplace', url: input.url },
  });
}
