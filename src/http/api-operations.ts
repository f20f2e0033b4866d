import type { Operation } from './operation.ts';
import { responseOperations } from '../responses/responses.operations.ts';
import { marketplaceOperations } from '../marketplaces/marketplaces.operations.ts';
import { requestOperations } from '../requests/requests.operations.ts';
import { authOperations } from '../auth/auth.operations.ts';
import { organizationOperations } from '../organizations/organizations.operations.ts';
import { interestOperations } from '../interests/interests.operations.ts';
import { outboxOperations } from '../email/outbox.operations.ts';
import { meetingOperations } from '../meetings/meetings.operations.ts';
import { questionOperations } from '../questions/questions.operations.ts';
import { outcomeOperations } from '../outcomes/outcomes.operations.ts';

/**
 * Every operation of the JSON API, from its domain's declarations. The router, the OpenAPI document,
 * the authorization matrix and the bad-input suite are all made from this list; nothing else
 * declares an API route.
 */
export const apiOperations: readonly Operation[] = [...authOperations, ...organizationOperations, ...marketplaceOperations, ...requestOperations, ...responseOperations, ...questionOperations, ...meetingOperations, ...outcomeOperations, ...interestOperations, ...outboxOperations];
