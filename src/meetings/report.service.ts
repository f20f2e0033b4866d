import type { AppContext } from '../context.ts';
import type { OrganizationKind, SessionRole } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { requestCategories, requestCategoryLabels } from '../requests/requests.schemas.ts';
import { toCsv } from '../shared/csv.ts';
import { organizationKindLabels } from '../organizations/organizations.schemas.ts';
import { loadMarketplaceReportRows } from './report.repository.ts';
import { requireTimetableAccess } from './meetings.service.ts';
import type { ReportAnswer } from './meetings.schemas.ts';

type Category = (typeof requestCategories)[number];

export interface OrganizationRow {
  organizationId: string;
  name: string;
  kind: OrganizationKind;
  byCategory: Record<Category, { responses: number; meetings: number }>;
  sessions: Record<string, SessionRole[]>;
}

/**
 * The summary matrix of the note's Annex 2, for a marketplace: who does what. Rows are the
 * organizations that responded or hold a role in the agenda; columns the request categories (responses
 * offered and meetings scheduled) and the agenda sessions (the roles held).
 */
export async function marketplaceReport(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireTimetableAccess(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  const { responses, meetings, roles, sessions, requestCounts, responseCounts, meetingCounts } = await loadMarketplaceReportRows(ctx, marketplace.id);

  const rows = new Map<string, OrganizationRow>();
  const row = (o: { id: string; name: string; kind: OrganizationKind }) => {
    let r = rows.get(o.id);
    if (!r) {
      r = { organizationId: o.id, name: o.name, kind: o.kind, byCategory: Object.fromEntries(requestCategories.map((c) => [c, { responses: 0, meetings: 0 }])) as OrganizationRow['byCategory'], sessions: {} };
      rows.set(o.id, r);
    }
    return r;
  };
  for (const r of responses) row(r).byCategory[r.category].responses++;
  for (const m of meetings) row(m).byCategory[m.category].meetings++;
  for (const r of roles) (row(r).sessions[r.code] ??= []).push(r.role);
  const organizations = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
  const counts = (list: Array<{ status: string; n: number }>) => Object.fromEntries(list.map((x) => [x.status, Number(x.n)]));
  return {
    marketplace,
    categories: requestCategories.map((c) => ({ code: c, label: requestCategoryLabels[c] })),
    sessions,
    organizations,
    counts: { requests: counts(requestCounts), responses: counts(responseCounts), meetings: counts(meetingCounts) },
  };
}

export type MarketplaceReport = Awaited<ReturnType<typeof marketplaceReport>>;

/** The report as the API answers it (the marketplace itself is in the path). */
export function reportToJson(report: MarketplaceReport): ReportAnswer {
  return { categories: report.categories, sessions: report.sessions, organizations: report.organizations, counts: report.counts };
}

export function reportToCsv(report: MarketplaceReport): string {
  const header = ['Organization', 'Kind', ...report.categories.map((c) => `${c.label}: responses / meetings`), ...report.sessions.map((s) => `Session ${s.code}`)];
  const rows = report.organizations.map((o) => [
    o.name,
    // Read by people in a spreadsheet: the kind's name, not its stored value (un_agency).
    organizationKindLabels[o.kind],
    ...report.categories.map((c) => `${o.byCategory[c.code].responses} / ${o.byCategory[c.code].meetings}`),
    ...report.sessions.map((s) => (o.sessions[s.code] ?? []).join(', ')),
  ]);
  return toCsv(header, rows);
}
