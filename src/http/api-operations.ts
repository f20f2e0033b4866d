import type { Operation } from './operation.ts';
import { responseOperations } from '../responses/responses.operations.ts';
import { meetingOperations } from '../meetings/meetings.operations.ts';

/**
 * Every operation of the JSON API, from its domain's declarations. The router, the OpenAPI document,
 * the authorization matrix and the bad-input suite are all made from this list; nothing else
 * declares an API route.
 */
export const apiOperations: readonly Operation[] = [...responseOperations, ...meetingOperations];
