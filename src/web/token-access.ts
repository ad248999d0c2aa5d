import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { readBody } from '../server/webhook-auth.js';
import { peerAddress } from '../net/addresses.js';
import { loginThrottle } from './login-throttle.js';
import { loginPage, refusalPage } from './login-page.js';
import { cookieValue, redirect, requestUrl, sameOriginPath, sendPage, wantsHtml } from './page-responses.js';
import { pageSessions } from './page-session.js';
import type { PageVisitor } from './page-visitor.js';

export interface TokenAccessOptions {
  token: string;
  sessionForMs: number;
  /** Cookies are marked Secure when people reach firedrill over https (server.publicUrl). */
  secureCookies: boolean;
  /** The origin a login form may be posted from, when known (server.publicUrl). */
  publicOrigin: string | undefined;
  now: () => number;
  log: Logger;
}

/** Who signed in with the shared token: pages show who read them no further than this. */
const TOKEN_VISITOR = 'token holder';

/**
 * Token mode: `Authorization: Bearer <token>` for scripts, or the login form, which sets an
 * HttpOnly, SameSite=Strict cookie holding a signed, expiring session (never the token).
 * Failed tries are limited per remote address.
 */
export function tokenAccess(options: TokenAccessOptions) {
  const { log, now } = options;
  const sessions = pageSessions(options.token, now);
  const throttle = loginThrottle(now);
  const expected = digest(options.token);
  const cookieName = options.secureCookies ? '__Host-firedrill_session' : 'firedrill_session';
  const cookieAttributes = `Path=/; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`;
  const tokenMatches = (given: string) => timingSafeEqual(digest(given), expected);

  function throttled(response: ServerResponse, address: string, html: boolean): boolean {
    const waitMs = throttle.waitFor(address);
    if (waitMs <= 0) return false;
    const retryAfter = String(Math.ceil(waitMs / 1_000));
    const lines = ['Too many failed sign-ins from this address.', `Try again in ${Math.ceil(waitMs / 60_000)} minute(s).`];
    if (html) sendPage(response, 429, refusalPage('Too many failed sign-ins', lines), { 'retry-after': retryAfter });
    else plain(response, 429, lines.join(' '), { 'retry-after': retryAfter });
    return true;
  }

  async function login(request: IncomingMessage, response: ServerResponse, address: string): Promise<void> {
    const url = requestUrl(request);
    if (request.method === 'GET') return sendPage(response, 200, loginPage(sameOriginPath(url.searchParams.get('next'))));
    if (request.method !== 'POST') return plain(response, 405, 'GET or POST /login', { allow: 'GET, POST' });
    if (!sameOrigin(request, options.publicOrigin)) return sendPage(response, 403, refusalPage('Sign-in refused', ['The form was posted from another site.']));
    if (throttled(response, address, true)) return;
    const body = await readBody(request);
    const form = new URLSearchParams(body?.toString('utf8') ?? '');
    const next = sameOriginPath(form.get('next'));
    if (!tokenMatches(form.get('token') ?? '')) {
      throttle.failed(address);
      log.warn({ remote: address }, 'pages sign-in failed: wrong token');
      return sendPage(response, 401, loginPage(next, 'That token is not the one configured. Try again.'));
    }
    throttle.succeeded(address);
    log.info({ remote: address }, 'pages sign-in');
    const session = sessions.issue(TOKEN_VISITOR, options.sessionForMs);
    redirect(response, next, { 'set-cookie': `${cookieName}=${session}; ${cookieAttributes}; Max-Age=${Math.floor(options.sessionForMs / 1_000)}` });
  }

  function logout(response: ServerResponse): void {
    redirect(response, '/login', { 'set-cookie': `${cookieName}=; ${cookieAttributes}; Max-Age=0` });
  }

  return async (request: IncomingMessage, response: ServerResponse): Promise<PageVisitor | undefined> => {
    const address = peerAddress(request.socket.remoteAddress)?.address ?? 'unknown';
    const { pathname, search } = requestUrl(request);
    if (pathname === '/login') return void (await login(request, response, address));
    if (pathname === '/logout') return void logout(response);

    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      if (throttled(response, address, false)) return undefined;
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (bearer !== undefined && tokenMatches(bearer)) {
        throttle.succeeded(address);
        return { name: TOKEN_VISITOR, via: 'token' };
      }
      throttle.failed(address);
      log.warn({ remote: address }, 'pages request refused: wrong bearer token');
      return void plain(response, 401, 'the bearer token is not the one in server.pages.auth.token', { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    const name = sessions.verify(cookieValue(request, cookieName));
    if (name !== undefined) return { name, via: 'session' };
    if (wantsHtml(request)) return void redirect(response, `/login?next=${encodeURIComponent(sameOriginPath(`${pathname}${search}`))}`);
    return void plain(response, 401, 'sign in at /login, or send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
  };
}

/** Fixed-length digests, so comparing them takes the same time whatever the length of a guess. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A form posted by another site (login CSRF) is refused; browsers send Origin on every POST. */
function sameOrigin(request: IncomingMessage, publicOrigin: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (publicOrigin !== undefined && origin === publicOrigin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(`${text}\n`);
}
