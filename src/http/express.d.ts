import type { Logger } from 'pino';
import type { Actor } from '../auth/actor.ts';

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      actor: Actor | null;
      /** The browser session token (from the cookie), when there is one. */
      sessionToken: string | null;
    }
  }
}

export {};
