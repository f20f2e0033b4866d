import type { RequestStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { canSeeRequest } from '../requests/requests.service.ts';

/**
 * Following a request is a person's own choice, not their organization's: it only asks for the
 * reminders before its deadline. So anyone signed in who can see the request may follow it and stop
 * following it: a person whose organization is pending, or whose membership waits for approval,
 * follows a published request as an individual, as a stranger can; the requesting organization's
 * members may follow their own request for its deadline reminders. A request they cannot see is
 * not found, to them, whether or not it exists.
 */
export function canFollowRequest(actor: Actor | null, request: { organization_id: string; status: RequestStatus }): boolean {
  return !!actor && canSeeRequest(actor, request);
}
