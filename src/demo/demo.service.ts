import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';
import { listPeopleWithOrganizations } from './demo.repository.ts';

/** Demo mode only: every person, and whether they are an organizer, for the page that signs in as anyone. */
export async function listDemoPeople(ctx: AppContext) {
  // The page is mounted only in demo mode; refusing here too keeps the list of addresses from leaking through any other caller.
  if (!ctx.config.DEMO_MODE) throw new AppError(404, 'not-found', 'Not found', 'There is no page at this address.');
  const people = await listPeopleWithOrganizations(ctx);
  return people.map((p) => ({ ...p, organizer: ctx.config.ORGANIZER_EMAILS.includes(p.email) }));
}
