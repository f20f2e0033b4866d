import { sql, type RawBuilder } from 'kysely';

/** A timestamptz column as the cursor keeps it: UTC, ISO 8601, every microsecond (compared again as `${time}::timestamptz`). */
export function cursorInstant(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
