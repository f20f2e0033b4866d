import type { Logger } from 'pino';
import type { Actor } from '../auth/actor.ts';
import type { Locale } from '../i18n/i18n.ts';

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      actor: Actor | null;
      /** The browser session token (from the cookie), when there is one. */
      sessionToken: string | null;
      /** The language of the pages (and of emails caused by this request to addresses without an account). */
      locale: Locale;
      /** The API operation's route pattern (`/api/v1/requests/:id`), set by the API router for the metrics' label. */
      operationRoute?: string;
    }
  }
}

export {};
