import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';
import { configureViews } from './views.ts';
import { requestContext } from './middleware/request-context.ts';
import { authenticateBrowser } from './middleware/authenticate.ts';
import { csrfProtection } from './middleware/csrf.ts';
import { resolveLocale } from './middleware/locale.ts';
import { errorHandler } from './middleware/errors.ts';
import { dropJsonCookies, refuseCompressedBodies, refuseMalformedAddresses } from './middleware/hostile-input.ts';
import { apiRouter } from './routes/api.ts';
import { authPages } from './routes/auth-pages.ts';
import { marketplacePages } from './routes/marketplace-pages.ts';
import { organizerPages } from './routes/organizer-pages.ts';
import { responsePages } from './routes/response-pages.ts';
import { accountPages } from './routes/account-pages.ts';
import { outcomePages } from './routes/outcome-pages.ts';
import { awaitingSecretariat } from '../organizations/organizations.service.ts';
import { meetingPages } from './routes/meeting-pages.ts';
import { demoPages } from './routes/demo-pages.ts';
import { devMailPages, type DevMailbox } from './routes/dev-mail-pages.ts';
import { healthRoutes, type Lifecycle } from './routes/health.ts';
import { createMetrics } from './metrics.ts';
import { queueDashboard } from './queue-dashboard.ts';

/** Helmet's headers for pages: a strict Content-Security-Policy (no inline script or style) and helmet's defaults. */
export function pageSecurityHeaders(secure: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: secure ? [] : null,
      },
    },
    strictTransportSecurity: secure,
  };
}

/**
 * Helmet's headers for JSON answers, the set the OWASP REST Security Cheat Sheet names for an API: a
 * policy that lets the answer load nothing and be framed nowhere (`default-src 'none'; frame-ancestors
 * 'none'`, X-Frame-Options DENY), nosniff, Cross-Origin-Resource-Policy same-origin, and HSTS over
 * https. The headers that steer a document (opener policy, agent cluster, referrer, DNS prefetch, IE's
 * download and XSS filters, Flash's cross-domain policies) are left out: JSON is never one.
 */
export function apiSecurityHeaders(secure: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    strictTransportSecurity: secure,
  };
}

/**
 * The browser's powerful features, none of which a page of ours uses, turned off for the page and
 * anything it might embed (helmet sets no Permissions-Policy). A script injected past the CSP could
 * then not ask for the camera, the microphone or the reader's location.
 */
const PERMISSIONS_POLICY = 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()';
const permissionsPolicy: RequestHandler = (_req, res, next) => {
  res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  next();
};

const staticFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

export interface AppOptions {
  /** The in-process mailbox shown at /dev/mail (development and demo only). */
  devMailbox?: DevMailbox | undefined;
  /** Whether the process is stopping (the health routes answer 503 then). */
  lifecycle?: Lifecycle;
}

/** The web application: the JSON API under /api/v1 and the server-rendered pages. */
export function createApp(ctx: AppContext, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  configureViews(app);

  requestContext(app, ctx.log);
  const metrics = createMetrics(ctx);
  app.use(metrics.middleware);
  const secure = ctx.config.BASE_URL.startsWith('https://');
  // Pages and answers go gzipped to clients that accept it: a marketplace page is 5x smaller, which
  // is what a focal point on a slow connection feels. (The cached public list comes pre-compressed.)
  const compress = compression();
  // Before anything reads the address or the body: a path that does not decode, a bad Host, a compressed body.
  const guards = [refuseMalformedAddresses, refuseCompressedBodies];
  // The API first, with the headers that matter for an answer that is not a document: it is most of
  // the traffic, and every layer and header before its router costs each request (BENCHMARKS.md, issue 12).
  app.use('/api/v1', apiRouter(ctx, compress, [helmet(apiSecurityHeaders(secure)), ...guards]));
  app.use(compress, helmet(pageSecurityHeaders(secure)), permissionsPolicy, guards);
  app.use('/static', express.static(staticFolder, { maxAge: '1h' }));
  app.use(healthRoutes(ctx, options.lifecycle));
  app.use(metrics.router);

  // Pages: cookies, forms, CSRF.
  app.use(cookieParser(), dropJsonCookies);
  app.use(authenticateBrowser(ctx));
  app.use(resolveLocale(ctx));
  app.use(queueDashboard(ctx));
  // Flat fields (extended: false: no `a[b][c]` nesting); never inflated (refuseCompressedBodies answers first).
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 500, inflate: false }));
  app.use((req, _res, next) => {
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) && !req.is('application/x-www-form-urlencoded')) {
      return next(new AppError(415, 'unsupported-media-type', 'Unsupported form', 'Forms are sent as application/x-www-form-urlencoded.'));
    }
    next();
  });
  app.use(csrfProtection(ctx));
  // Organizers see in the header what waits for them: organizations to verify, people to approve, requests to moderate.
  app.use((req, res, next) => {
    if (req.method !== 'GET' || !req.actor?.isOrganizer) return next();
    awaitingSecretariat(ctx, req.actor).then((awaiting) => {
      res.locals.awaiting = awaiting;
      next();
    }, next);
  });
  app.use(authPages(ctx));
  app.use(marketplacePages(ctx));
  app.use(responsePages(ctx));
  app.use(accountPages(ctx));
  // Before the meeting pages: its report route shows the outcome funnel beside the summary matrix.
  app.use(outcomePages(ctx));
  app.use(meetingPages(ctx));
  app.use(organizerPages(ctx));
  app.locals.devMailbox = !!options.devMailbox && ctx.config.NODE_ENV !== 'production';
  if (app.locals.devMailbox) app.use(devMailPages(options.devMailbox!));
  if (ctx.config.DEMO_MODE && ctx.config.NODE_ENV !== 'production') app.use(demoPages(ctx));
  app.use((_req, _res, next) => next(new AppError(404, 'not-found', 'Page not found', 'There is no page at this address.')));
  app.use(errorHandler);
  return app;
}
