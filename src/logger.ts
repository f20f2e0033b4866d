import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; secrets (tokens, cookies, authorization) never reach them. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.token',
        '*.accessToken',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
