import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * What never reaches a log line, at any level: tokens (sign-in, session, API), cookies, authorization
 * headers and sealed email links, where the code logs them as fields (pino matches one level per `*`).
 */
export const redactedLogPaths = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'token',
  '*.token',
  '*.*.token',
  'accessToken',
  '*.accessToken',
  'sessionToken',
  '*.sessionToken',
  'sealed_links',
  '*.sealed_links',
];

/** Structured JSON logs; secrets (tokens, cookies, authorization) never reach them. `destination`: stdout unless given. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: redactedLogPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
