import { resolveSecret } from '../catalogue/secrets.js';
import { isUserError } from '../errors.js';
import type { Logger } from '../log.js';
import { addressRanges, inRanges, isLoopbackHost, peerAddress } from '../net/addresses.js';
import { refusalPage } from './login-page.js';
import { requestUrl, sendPage } from './page-responses.js';
import type { PagesAuth, TrustedHeaderAuth } from './pages-schema.js';
import { tokenAccess } from './token-access.js';
import type { PageGuard } from './page-visitor.js';

export type { PageGuard, PageVisitor } from './page-visitor.js';

/** The paths the guard serves itself: the login form and signing out. */
export const PAGE_ACCESS_PATHS: readonly string[] = ['/login', '/logout'];

/** The part of the config the guard reads (config-schema's Config fits). */
export interface PageAccessConfig {
  server: { host: string; publicUrl?: string | undefined; pages?: { auth?: PagesAuth | undefined } | undefined };
}

export interface PageAccessOptions {
  /** Where `{file: ...}` secrets are relative to. */
  configDir: string;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export interface PageAccess extends PageGuard {
  /** Settles once the token is read; rejects (with a UserError) when it cannot be, so `serve` stops at start. */
  ready: Promise<void>;
  /** One line for the start-up banner: how pages are protected. */
  describe: string;
}

/** `server.pages.auth`: a token, an authenticating proxy, or (without it) loopback only. */
export function pageAccess(config: PageAccessConfig, log: Logger, options: PageAccessOptions): PageAccess {
  const { server } = config;
  const auth = server.pages?.auth;
  let guard: PageGuard;
  let ready: Promise<void> = Promise.resolve();
  let describe: string;
  if (auth && 'token' in auth) {
    const started = resolveSecret(auth.token, options.configDir, options.env).then((token) =>
      tokenAccess({
        token,
        sessionForMs: auth.sessionFor,
        secureCookies: server.publicUrl?.startsWith('https:') ?? false,
        publicOrigin: server.publicUrl ? new URL(server.publicUrl).origin : undefined,
        now: options.now ?? Date.now,
        log,
      }),
    );
    ready = started.then(() => undefined);
    // Observed here so that a secret read at start-up failing is reported by `ready`, not as an unhandled rejection.
    started.catch(() => undefined);
    describe = 'pages: token (login form or Bearer)';
    guard = async (request, response) => {
      let tokenGuard: PageGuard;
      try {
        tokenGuard = await started;
      } catch (error) {
        log.error({ err: isUserError(error) ? error.message : error }, 'pages are off: the token cannot be read');
        sendPage(response, 503, refusalPage('Pages are unavailable', ['The pages token in server.pages.auth.token cannot be read; the firedrill log says why.']));
        return undefined;
      }
      return tokenGuard(request, response);
    };
  } else if (auth) {
    guard = proxyAccess(auth, log);
    describe = `pages: ${auth.trustedHeader} from ${auth.trustedProxies.join(', ')}`;
  } else {
    guard = loopbackAccess(server.host);
    describe = isLoopbackHost(server.host) ? 'pages: loopback only (no server.pages.auth)' : 'pages: off (not on loopback and no server.pages.auth)';
  }
  return Object.assign(guard, { ready, describe });
}

/**
 * An authenticating proxy (oauth2-proxy and the like) names the person in a header; the
 * header is believed only on connections from the proxies' addresses, since anyone else
 * could send it too.
 */
function proxyAccess(auth: TrustedHeaderAuth, log: Logger): PageGuard {
  const proxies = addressRanges(auth.trustedProxies);
  const header = auth.trustedHeader.toLowerCase();
  return async (request, response) => {
    const peer = peerAddress(request.socket.remoteAddress);
    if (!inRanges(proxies, peer)) {
      log.warn({ remote: request.socket.remoteAddress }, 'pages request refused: not from a trusted proxy');
      sendPage(response, 403, refusalPage('Sign in through the proxy', [
        `This address (${peer?.address ?? 'unknown'}) is not one of server.pages.auth.trustedProxies.`,
        'Open the pages through the authenticating proxy, or add its address range to trustedProxies.',
      ]));
      return undefined;
    }
    if (PAGE_ACCESS_PATHS.includes(requestUrl(request).pathname)) {
      sendPage(response, 404, refusalPage('Sign-in is done by the proxy', ['firedrill has no login of its own here: the authenticating proxy signs people in and out.']));
      return undefined;
    }
    const name = request.headers[header];
    const value = (Array.isArray(name) ? name[0] : name)?.trim();
    if (!value || value.length > 200) {
      sendPage(response, 403, refusalPage('Who are you?', [`The proxy did not name the signed-in person in ${auth.trustedHeader}.`, 'Configure it to send that header (oauth2-proxy: --set-xauthrequest or --pass-user-headers).']));
      return undefined;
    }
    return { name: value, via: 'proxy' };
  };
}

/**
 * Without server.pages.auth the pages are served only when the server listens on loopback
 * (reached from this machine, or through `kubectl port-forward`): on any other address they
 * would be open to everyone who can reach the port.
 */
function loopbackAccess(host: string): PageGuard {
  const loopback = isLoopbackHost(host);
  return async (request, response) => {
    if (!loopback) {
      sendPage(response, 403, refusalPage('Pages need access control', [
        `firedrill listens on ${host}, so anyone who reaches it could read the pages; they are off until server.pages.auth is set.`,
        'Set server.pages.auth to {token: {env: FIREDRILL_PAGES_TOKEN}} (a login form), or to {trustedHeader: X-Forwarded-User, trustedProxies: [10.0.0.0/8]} behind an authenticating proxy; or listen on 127.0.0.1.',
      ]));
      return undefined;
    }
    if (PAGE_ACCESS_PATHS.includes(requestUrl(request).pathname)) {
      sendPage(response, 404, refusalPage('No sign-in needed', ['Pages are served on loopback without sign-in (server.pages.auth is not set).']));
      return undefined;
    }
    return { name: 'local', via: 'loopback' };
  };
}
