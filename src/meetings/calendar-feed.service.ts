import type { AppContext } from '../context.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { loadActor } from '../auth/auth.service.ts';
import { AppError } from '../shared/errors.ts';
import { t } from '../i18n/i18n.ts';
import { calendarFeedToken, verifyCalendarFeedToken } from './meeting-links.ts';

import { bumpCalendarFeedVersion, findCalendarFeedVersion, listMeetingsOfOrganization, type MeetingDetail } from './meetings.repository.ts';
import { meetingsToIcs } from './meetings.export.ts';

/** Minutes before each meeting that a subscribed calendar reminds its person. */
export const FEED_REMINDER_MINUTES = 15;

/** The private addresses of a person's calendar feed: https for download, webcal for subscribing. */
export interface CalendarFeedAddress {
  url: string;
  webcalUrl: string;
}

function addressOf(ctx: AppContext, userId: string, version: number): CalendarFeedAddress {
  const url = new URL(`/calendar/${userId}/${calendarFeedToken(ctx.config.SESSION_SECRET, userId, version)}.ics`, ctx.config.BASE_URL);
  return { url: url.toString(), webcalUrl: `webcal://${url.host}${url.pathname}` };
}

async function feedVersion(ctx: AppContext, userId: string): Promise<number | undefined> {
  return findCalendarFeedVersion(ctx, userId);
}

/** The caller's feed address (anyone signed in has one; it lists the meetings their organization may see). */
export async function myCalendarFeed(ctx: AppContext, actorOrNull: Actor | null): Promise<CalendarFeedAddress> {
  const actor = requireActor(actorOrNull);
  return addressOf(ctx, actor.id, (await feedVersion(ctx, actor.id)) ?? 0);
}

/** Revokes the caller's feed address (a calendar that subscribed to it gets 404 from now on) and gives the new one. */
export async function resetMyCalendarFeed(ctx: AppContext, actorOrNull: Actor | null): Promise<CalendarFeedAddress> {
  const actor = requireActor(actorOrNull);
  const version = await bumpCalendarFeedVersion(ctx, actor.id);
  ctx.log.info({ userId: actor.id }, 'calendar feed address reset');
  return addressOf(ctx, actor.id, version);
}

function feedNotFound() {
  return new AppError(404, 'not-found', 'Calendar not found', 'This calendar address is not valid any more. Copy the current one from your meetings page.');
}

/**
 * The feed itself, for a calendar client (no session): the signed address is the authorization, and
 * the person's rights now decide what it lists (a member who left sees an empty calendar).
 */
export async function calendarFeed(ctx: AppContext, userId: string, token: string): Promise<{ ics: string; actor: Actor }> {
  const version = await feedVersion(ctx, userId);
  if (version === undefined || !verifyCalendarFeedToken(ctx.config.SESSION_SECRET, userId, version, token)) throw feedNotFound();
  const actor = await loadActor(ctx, userId);
  if (!actor) throw feedNotFound();
  const meetings: MeetingDetail[] = actor.organization ? await listMeetingsOfOrganization(ctx, actor.organization.id) : [];
  // One marketplace's meetings carry its zone; meetings of marketplaces in several zones are given in UTC.
  const zones = new Set(meetings.map((m) => m.time_zone));
  const timeZone = zones.size === 1 ? meetings[0]!.time_zone : 'UTC';
  const ics = meetingsToIcs(ctx, meetings, { name: t(actor.locale, 'Side meetings: {{organization}}', { organization: actor.organization?.name ?? actor.email }), locale: actor.locale, timeZone, reminderMinutes: FEED_REMINDER_MINUTES });
  return { ics, actor };
}
