import type { IncomingMessage, ServerResponse } from 'node:http';

/** Pages and the login form are never framed by another site, nor cached by a shared cache. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
};

export function sendPage(response: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(status, { ...PAGE_HEADERS, ...headers });
  response.end(html);
}

export function redirect(response: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
  response.end();
}

/** A browser navigating (it asks for HTML) is sent to the login form; a script or CSV download gets a plain 401. */
export function wantsHtml(request: IncomingMessage): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

export function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://firedrill.invalid');
}

/**
 * Where to go after signing in: a path on this server, never another origin
 * (`//evil.example`, `/\evil.example`, `https://...`, tabs or newlines that the URL parser drops).
 */
export function sameOriginPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, 'http://firedrill.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://firedrill.invalid' || url.pathname === '/login' || url.pathname === '/logout') return '/';
  return `${url.pathname}${url.search}`;
}

/** One cookie's value from the Cookie header (the header is `name=value; name2=value2`). */
export function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
