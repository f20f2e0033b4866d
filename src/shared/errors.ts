import type { ZodError } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type of the domain. Routes turn it into application/problem+json (RFC 9457) for the
 * API, or into the form again with the messages beside the fields for HTML.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what = 'The page or record') => new AppError(404, 'not-found', 'Not found', `${what} does not exist or is not visible to you.`);
export const unauthorized = (detail = 'Sign in to continue.') => new AppError(401, 'unauthorized', 'Sign-in required', detail);
export const forbidden = (detail: string) => new AppError(403, 'forbidden', 'Not allowed', detail);
export const conflict = (type: string, detail: string) => new AppError(409, type, 'Conflict', detail);
export const invalid = (errors: FieldError[], detail = 'Some fields need attention.') =>
  new AppError(422, 'validation-failed', 'Invalid input', detail, errors);

/** A zod error as field errors with dotted paths (`themes.2`, `sessions.0.startsAt`). */
export function fieldErrorsFromZod(error: ZodError): FieldError[] {
  const byPath = new Map<string, string>();
  for (const issue of error.issues) {
    // A field the schema does not have is named itself, not the object that holds it ("(body)" for a top-level one).
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path.map(String), key].join('.');
        if (!byPath.has(path)) byPath.set(path, 'is not a known field');
      }
      continue;
    }
    const path = issue.path.map(String).join('.') || '(body)';
    // The first problem of a field is the one to fix first ("is required" before "too short").
    if (!byPath.has(path)) byPath.set(path, issue.message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

export function invalidFromZod(error: ZodError): AppError {
  return invalid(fieldErrorsFromZod(error));
}
