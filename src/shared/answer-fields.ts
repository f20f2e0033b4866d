import { z } from 'zod';

/**
 * Building blocks of the API's answer schemas. Each operation's answer is a zod schema checked on
 * every answer under NODE_ENV=test, and turned into its OpenAPI schema.
 */

/** An instant in ISO 8601 with the marketplace's offset, e.g. 2007-07-09T09:00:00.000+02:00. */
export const instant = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 with an offset' });

export const uuid = z.string().meta({ format: 'uuid' });

/** A page of a list: `nextCursor` is null on the last page. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const organizationRef = z.object({ id: uuid, name: z.string() });
