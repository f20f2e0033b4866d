import net from 'node:net';
/** A small JSON API client for tests (real HTTP against the test server). */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(new URL(path, baseUrl), { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

/** A browser-like client for the HTML pages: keeps cookies and fills the CSRF field. */
export class PageClient {
  private cookies = new Map<string, string>();
  lastHtml = '';

  /** `headers` go with every request, e.g. a browser's `accept-language`. */
  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string): Promise<{ status: number; html: string; location: string | null }> {
    const response = await fetch(new URL(path, this.baseUrl), { headers: { ...this.headers, cookie: this.cookieHeader() }, redirect: 'manual' });
    this.remember(response);
    const html = await response.text();
    this.lastHtml = html;
    return { status: response.status, html, location: response.headers.get('location') };
  }

  csrfFrom(html: string): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error('no CSRF field on the page');
    return match[1]!;
  }

  /** Posts a form the way a browser does; by default takes the CSRF token from the page at `formPage`. */
  async post(path: string, fields: Record<string, string | string[]>, options: { formPage?: string; csrf?: string | null } = {}) {
    let csrf = options.csrf;
    if (csrf === undefined) csrf = this.csrfFrom((await this.get(options.formPage ?? path)).html);
    const body = new URLSearchParams();
    if (csrf !== null) body.append('_csrf', csrf);
    for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    const response = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: { ...this.headers, cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    });
    this.remember(response);
    const html = await response.text();
    this.lastHtml = html;
    return { status: response.status, html, location: response.headers.get('location') };
  }
}

/** The first link in an email's text that starts with the given URL. */
export function linkIn(text: string, startsWith: string): string {
  const match = text.match(/https?:\/\/\S+/g)?.find((url) => url.startsWith(startsWith));
  if (!match) throw new Error(`no link starting with ${startsWith} in: ${text}`);
  return match;
}

/** A TCP port nobody listens on right now, for a server a test or the bench starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
