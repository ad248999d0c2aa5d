import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { pageAccess, type PageAccessConfig } from '../../src/web/page-access.js';
import { MAX_FAILED_LOGINS } from '../../src/web/login-throttle.js';
import { pageSessions } from '../../src/web/page-session.js';

const TOKEN = 'pages-token-0123456789abcdef';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Stand {
  /** A request to the stand, from `from` (a loopback address) when given. */
  send(path: string, options?: { method?: string; headers?: Record<string, string>; body?: string; from?: string }): Promise<Answer>;
  logLines: string[];
  clock: { now: number };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A tiny server whose only page answers with the visitor the guard resolved. */
async function stand(config: PageAccessConfig, listenOn = '127.0.0.1'): Promise<Stand> {
  const logLines: string[] = [];
  const clock = { now: Date.parse('2026-11-30T12:00:00Z') };
  const log = createLogger('info', { write: (line: string) => void logLines.push(line) });
  const guard = pageAccess(config, log, { configDir: '/nonexistent', env: { PAGES_TOKEN: TOKEN }, now: () => clock.now });
  await guard.ready;
  const server = createServer((request, response) => {
    void guard(request, response).then((visitor) => {
      if (!visitor) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(visitor));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, listenOn, resolve));
  const { port } = server.address() as AddressInfo;
  const host = listenOn === '::' ? '127.0.0.1' : listenOn;
  return {
    logLines,
    clock,
    send: (path, options = {}) =>
      new Promise((resolve, reject) => {
        const outgoing = httpRequest(
          { host, port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.from, agent: false },
          (incoming) => {
            let body = '';
            incoming.setEncoding('utf8');
            incoming.on('data', (chunk: string) => (body += chunk));
            incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
          },
        );
        outgoing.on('error', reject);
        outgoing.end(options.body);
      }),
  };
}

const tokenConfig = (publicUrl?: string): PageAccessConfig => ({
  server: { host: '0.0.0.0', publicUrl, pages: { auth: { token: { env: 'PAGES_TOKEN' }, sessionFor: 3_600_000 } } },
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

function sessionCookie(answer: Answer): string {
  const cookie = answer.headers['set-cookie']?.[0];
  if (!cookie) throw new Error(`no cookie set (status ${answer.status})`);
  return cookie.split(';')[0]!;
}

describe('page access with a token', () => {
  it('sends a browser to the login form, signs it in with a cookie and back to the page it asked for', async () => {
    const { send } = await stand(tokenConfig());
    const first = await send('/runs?env=staging', { headers: { accept: 'text/html' } });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/login?next=%2Fruns%3Fenv%3Dstaging');

    const formPage = await send(first.headers.location!);
    expect(formPage.status).toBe(200);
    expect(formPage.body).toContain('<form method="post" action="/login">');
    expect(formPage.body).toContain('<input id="token" name="token" type="password"');
    expect(formPage.body).toContain('name="next" value="/runs?env=staging"');

    const signedIn = await send('/login', form({ token: TOKEN, next: '/runs?env=staging' }));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/runs?env=staging');
    const setCookie = signedIn.headers['set-cookie']![0]!;
    expect(setCookie).toMatch(/^firedrill_session=v1\./);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure');
    expect(setCookie).not.toContain(TOKEN);

    const page = await send('/runs', { headers: { cookie: sessionCookie(signedIn) } });
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toEqual({ name: 'token holder', via: 'session' });
  });

  it('marks the cookie Secure (and __Host-) when people reach firedrill over https', async () => {
    const { send } = await stand(tokenConfig('https://firedrill.example.com'));
    const signedIn = await send('/login', form({ token: TOKEN }));
    expect(signedIn.headers['set-cookie']![0]).toMatch(/^__Host-firedrill_session=v1\..*; Secure/);
  });

  it('takes a bearer token and refuses a wrong one with 401', async () => {
    const { send, logLines } = await stand(tokenConfig());
    const good = await send('/runs.json', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(JSON.parse(good.body)).toEqual({ name: 'token holder', via: 'token' });
    const wrong = await send('/runs.json', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('Bearer');
    const none = await send('/runs.csv');
    expect(none.status).toBe(401);
    expect(logLines.join('\n')).not.toContain('not-the-token-at-all');
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a wrong token on the form without setting a cookie, and never logs what was typed', async () => {
    const { send, logLines } = await stand(tokenConfig());
    const wrong = await send('/login', form({ token: 'guess-number-one-123', next: '/score' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).toContain('not the one configured');
    expect(wrong.body).toContain('value="/score"');
    expect(logLines.some((line) => line.includes('pages sign-in failed'))).toBe(true);
    expect(logLines.join('\n')).not.toContain('guess-number-one-123');
  });

  it('refuses a cookie that expired, was forged with another key, or was altered', async () => {
    const { send, clock } = await stand(tokenConfig());
    const cookie = sessionCookie(await send('/login', form({ token: TOKEN })));
    expect((await send('/', { headers: { cookie } })).status).toBe(200);

    const [name, value] = cookie.split('=') as [string, string];
    const forged = pageSessions('a-token-guessed-by-mallory', () => clock.now).issue('mallory', 3_600_000);
    expect((await send('/', { headers: { cookie: `${name}=${forged}` } })).status).toBe(401);
    const [version, claims, signature] = value.split('.') as [string, string, string];
    const longer = Buffer.from(JSON.stringify({ n: 'mallory', e: clock.now + 10 * 3_600_000 })).toString('base64url');
    expect((await send('/', { headers: { cookie: `${name}=${version}.${longer}.${signature}` } })).status).toBe(401);
    expect((await send('/', { headers: { cookie: `${name}=${version}.${claims}.${signature.slice(0, -2)}AA` } })).status).toBe(401);

    clock.now += 3_600_000;
    expect((await send('/', { headers: { cookie } })).status).toBe(401);
  });

  it('redirects after sign-in only to a path on this server', async () => {
    const { send } = await stand(tokenConfig());
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)', '/logout']) {
      const answer = await send('/login', form({ token: TOKEN, next }));
      expect(answer.status, next).toBe(303);
      expect(answer.headers.location, next).toBe('/');
    }
    const form1 = await send(`/login?next=${encodeURIComponent('//evil.example/')}`);
    expect(form1.body).toContain('name="next" value="/"');
  });

  it('refuses a login form posted from another site', async () => {
    const { send } = await stand(tokenConfig('https://firedrill.example.com'));
    const cross = await send('/login', { ...form({ token: TOKEN }), headers: { ...form({}).headers, origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const own = await send('/login', { ...form({ token: TOKEN }), headers: { ...form({}).headers, origin: 'https://firedrill.example.com' } });
    expect(own.status).toBe(303);
  });

  it('limits failed sign-ins per address, and lets the address try again after the window', async () => {
    const { send, clock } = await stand(tokenConfig());
    for (let attempt = 0; attempt < MAX_FAILED_LOGINS; attempt++) {
      expect((await send('/login', { ...form({ token: `wrong-${attempt}-xxxxxx` }), from: '127.0.0.2' })).status).toBe(401);
    }
    const blocked = await send('/login', { ...form({ token: TOKEN }), from: '127.0.0.2' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send('/runs', { headers: { authorization: `Bearer ${TOKEN}` }, from: '127.0.0.2' })).status).toBe(429);
    // Another address is not held up by this one's guesses.
    expect((await send('/login', { ...form({ token: TOKEN }), from: '127.0.0.3' })).status).toBe(303);
    clock.now += 15 * 60_000;
    expect((await send('/login', { ...form({ token: TOKEN }), from: '127.0.0.2' })).status).toBe(303);
  });

  it('signs out by clearing the cookie', async () => {
    const { send } = await stand(tokenConfig());
    const out = await send('/logout');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(out.headers['set-cookie']![0]).toMatch(/^firedrill_session=; .*Max-Age=0/);
  });
});

describe('page access through an authenticating proxy', () => {
  const proxyConfig = (trustedProxies: string[]): PageAccessConfig => ({
    server: { host: '0.0.0.0', pages: { auth: { trustedHeader: 'X-Forwarded-User', trustedProxies } } },
  });
  const asUser = { 'x-forwarded-user': 'alice@example.com' };

  it('believes the header only from addresses inside the proxies’ ranges, to the edge of each range', async () => {
    const { send } = await stand(proxyConfig(['127.0.0.4/30', '127.0.1.9']));
    for (const from of ['127.0.0.4', '127.0.0.7', '127.0.1.9']) {
      const answer = await send('/', { headers: asUser, from });
      expect(answer.status, from).toBe(200);
      expect(JSON.parse(answer.body), from).toEqual({ name: 'alice@example.com', via: 'proxy' });
    }
    for (const from of ['127.0.0.3', '127.0.0.8', '127.0.1.8', '127.0.1.10']) {
      const spoofed = await send('/', { headers: asUser, from });
      expect(spoofed.status, from).toBe(403);
      expect(spoofed.body, from).toContain('trustedProxies');
      expect(spoofed.body, from).not.toContain('alice');
    }
  });

  it('refuses a request from a proxy that names nobody', async () => {
    const { send } = await stand(proxyConfig(['127.0.0.0/8']));
    const answer = await send('/');
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('X-Forwarded-User');
  });

  it('checks an IPv4 client on a dual-stack socket as its IPv4 address', async () => {
    const { send } = await stand(proxyConfig(['127.0.0.0/8']), '::');
    expect((await send('/', { headers: asUser })).status).toBe(200);
  });

  it('checks IPv6 ranges', async () => {
    const inside = await stand(proxyConfig(['::1/128']), '::1');
    expect((await inside.send('/', { headers: asUser })).status).toBe(200);
    const outside = await stand(proxyConfig(['::2/127', '127.0.0.0/8']), '::1');
    expect((await outside.send('/', { headers: asUser })).status).toBe(403);
  });
});

describe('page access without server.pages.auth', () => {
  it('does not start when the token cannot be read', async () => {
    const guard = pageAccess({ server: { host: '0.0.0.0', pages: { auth: { token: { env: 'UNSET_PAGES_TOKEN' }, sessionFor: 60_000 } } } }, createLogger('silent'), { configDir: '/nonexistent', env: {} });
    await expect(guard.ready).rejects.toThrow('environment variable UNSET_PAGES_TOKEN is not set');
  });

  it('serves pages when the server listens on loopback', async () => {
    const { send } = await stand({ server: { host: '127.0.0.1' } });
    expect(JSON.parse((await send('/')).body)).toEqual({ name: 'local', via: 'loopback' });
  });

  it('refuses pages with a way out when the server listens on all addresses', async () => {
    const { send } = await stand({ server: { host: '0.0.0.0' } });
    const answer = await send('/', { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('server.pages.auth');
    expect(answer.body).toContain('<h1>Pages need access control</h1>');
  });
});
