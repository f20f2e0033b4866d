import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors.ts';
import { MAX_NESTING, nestsDeeperThan, tooDeep } from '../../shared/parse.ts';

/**
 * Guards against input crafted to break the code that reads a request, each refusing it with a 4xx that
 * says what is wrong before that code runs: express's router decoding a path parameter (URIError),
 * `new URL` on the Host header, body-parser inflating a "gzip" body that is not, a recursive walk of
 * JSON nested 50,000 deep, cookie-parser turning a `j:` cookie into an object. The error handler turns
 * each refusal into problem+json for the API and the error page for people.
 */

const malformedAddress = 'Malformed address';

/** Also the answer to the router's URIError, should a path reach it (errors.ts). Title and detail are translated on pages. */
export const malformedPath = () =>
  new AppError(400, 'malformed-path', malformedAddress, 'The address has a malformed percent-encoding (a "%" not followed by two hexadecimal digits, or bytes that are not UTF-8). Check the link, or copy it again.');

function decodes(component: string): boolean {
  try {
    decodeURIComponent(component);
    return true;
  } catch {
    return false;
  }
}

/** A name from the request echoed in an answer: printable ASCII and short, else not echoed. */
function echoable(text: string): string {
  return /^[\x20-\x7e]{1,40}$/.test(text) ? text : '(unreadable name)';
}

/** RFC 3986 host (reg-name, IPv4 or [IPv6]) with an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::\d{1,5})?$/;

/**
 * The address: a path or query parameter whose percent-encoding does not decode (`/requests/%`,
 * `/m/%E0%A4%A`, `?q=%ff`) is a 400 naming the parameter, instead of a URIError from the router (a 500)
 * or a query value quietly turned into U+FFFD; a Host header that is not a host is a 400 (RFC 9112 §3.2)
 * instead of a TypeError where a page builds its language links.
 */
export const refuseMalformedAddresses: RequestHandler = (req, _res, next) => {
  const url = req.url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.includes('%') && !decodes(path)) return next(malformedPath());
  if (queryAt !== -1) {
    for (const pair of url.slice(queryAt + 1).split('&')) {
      if (!pair.includes('%')) continue;
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : pair.slice(equals + 1);
      if (!decodes(name) || !decodes(value)) {
        const field = echoable(decodes(name) ? decodeURIComponent(name.replace(/\+/g, ' ')) : name);
        return next(
          new AppError(400, 'malformed-query', malformedAddress, `The query parameter "${field}" has a malformed percent-encoding.`, [{ path: field, message: 'has a malformed percent-encoding (a "%" not followed by two hexadecimal digits, or bytes that are not UTF-8)' }]),
        );
      }
    }
  }
  const host = req.headers.host;
  if (host && !HOST.test(host)) return next(new AppError(400, 'malformed-host', 'Bad request', 'The Host header is not a host name.'));
  next();
};

/**
 * Request bodies are taken uncompressed only: any Content-Encoding but `identity` on a request that
 * carries a body is a 415, with `Accept-Encoding: identity` (RFC 7694). No client of this API or browser
 * form compresses what it sends, and inflating is where a "gzip" body that is not gzip, a truncated
 * stream or a zip bomb would be read; refusing is simpler than defending each.
 */
export const refuseCompressedBodies: RequestHandler = (req, res, next) => {
  const encoding = req.headers['content-encoding'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (!hasBody || encoding === undefined || encoding.trim().toLowerCase() === 'identity' || encoding.trim() === '') return next();
  res.setHeader('Accept-Encoding', 'identity');
  next(
    new AppError(
      415,
      'unsupported-content-encoding',
      'Unsupported encoding',
      `Request bodies are accepted uncompressed only (this one says Content-Encoding: ${echoable(encoding)}). Send the body again without a Content-Encoding header.`,
    ),
  );
};

/** A parsed JSON body nested deeper than MAX_NESTING is a 400 before a route, zod or a logger walks it. */
export const refuseDeepBodies: RequestHandler = (req, _res, next) => {
  next(nestsDeeperThan(req.body, MAX_NESTING) ? tooDeep() : undefined);
};

/**
 * Cookies are strings: cookie-parser turns a value starting `j:` into whatever JSON it holds, which this
 * site never sets and no code here expects (an object session token made hashing it throw). Such a
 * cookie is dropped, as if it had not been sent.
 */
export const dropJsonCookies: RequestHandler = (req, _res, next) => {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  if (cookies) for (const name of Object.keys(cookies)) if (typeof cookies[name] !== 'string') delete cookies[name];
  next();
};
