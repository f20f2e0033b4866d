import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { loggedPath } from '../../src/http/middleware/request-context.ts';
import { assistanceToken, outcomeToken } from '../../src/outcomes/outcome-links.ts';

function captured() {
  const lines: string[] = [];
  return { lines, log: createLogger('trace', 'test', { write: (line: string) => void lines.push(line) }) };
}

describe('log redaction', () => {
  it('never writes a token, a cookie or an authorization header, where code would log them as fields', () => {
    const { lines, log } = captured();
    const secret = 'Zm9jYWwtcG9pbnQtc2lnbi1pbi10b2tlbi0xMjM0NTY3';
    log.info({ req: { headers: { authorization: `Bearer ${secret}`, cookie: `fm_session=${secret}` } }, res: { headers: { 'set-cookie': `fm_session=${secret}` } } }, 'request');
    log.debug({ token: secret, body: { token: secret }, job: { data: { token: secret } }, accessToken: secret, sessionToken: secret }, 'exchange');
    log.warn({ headers: { authorization: secret, cookie: secret }, authorization: secret, cookie: secret }, 'outgoing');
    log.trace({ row: { sealed_links: secret } }, 'outbox row');
    expect(lines).toHaveLength(4);
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).toContain('[redacted]');
  });

  it('logs a request path without its query string or a token in a path segment, and keeps ids and slugs', () => {
    const token = 'q1Xr8d1cYQ0n7ZcG5h4M0lC3kVx2s9wE_tpKJ-ab3cd';
    expect(loggedPath(`/auth/callback?token=${token}`)).toBe('/auth/callback');
    expect(loggedPath(`/meetings/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/answer/provider/${token}`)).toBe('/meetings/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/answer/provider/[redacted]');
    // The outcome and assistance links' tokens (HMAC-SHA256, base64url) are masked the same way.
    const hmac = outcomeToken('a secret long enough for the test', '6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55', 'provider');
    expect(loggedPath(`/meetings/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/outcome/provider/${hmac}?outcome=cooperation_possible`)).toBe('/meetings/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/outcome/provider/[redacted]');
    expect(loggedPath(`/requests/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/assistance/${assistanceToken('a secret long enough for the test', '6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55')}`)).toBe('/requests/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55/assistance/[redacted]');
    expect(loggedPath(`/unsubscribe/6f1d3c1e-2b7a-4c1e-9d0a-0c9f2e7b1a55.${token}`)).toBe('/unsubscribe/[redacted]');
    expect(loggedPath('/marketplaces/gfmd-2007/requests')).toBe('/marketplaces/gfmd-2007/requests');
  });
});
