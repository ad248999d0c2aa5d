import { describe, expect, it } from 'vitest';
import { addressRanges, inRanges, isLoopbackHost, peerAddress } from '../../../src/net/addresses.js';
import { loginThrottle } from '../../../src/web/login-throttle.js';
import { sameOriginPath } from '../../../src/web/page-responses.js';
import { pageSessions } from '../../../src/web/page-session.js';
import { runPageUrl } from '../../../src/web/run-link.js';

describe('address ranges', () => {
  const ranges = addressRanges(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '2001:db8::/127']);
  const check = (address: string) => inRanges(ranges, peerAddress(address));

  it('includes both ends of a range and nothing past them', () => {
    expect(check('10.0.0.0')).toBe(true);
    expect(check('10.255.255.255')).toBe(true);
    expect(check('9.255.255.255')).toBe(false);
    expect(check('11.0.0.0')).toBe(false);
    expect(check('192.0.2.7')).toBe(true);
    expect(check('192.0.2.8')).toBe(false);
    expect(check('fd00::1')).toBe(true);
    expect(check('fdff:ffff::1')).toBe(true);
    expect(check('fe00::1')).toBe(false);
    expect(check('2001:db8::1')).toBe(true);
    expect(check('2001:db8::2')).toBe(false);
  });

  it('checks an IPv4-mapped IPv6 peer as its IPv4 address, and refuses what is not an address', () => {
    expect(check('::ffff:10.1.2.3')).toBe(true);
    expect(check('::ffff:11.1.2.3')).toBe(false);
    expect(check('')).toBe(false);
    expect(check('not-an-address')).toBe(false);
    expect(inRanges(ranges, undefined)).toBe(false);
  });

  it('knows which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'firedrill.example.com', '::ffff:10.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('where a sign-in goes next', () => {
  it('keeps a path and query on this server', () => {
    expect(sameOriginPath('/runs?env=staging&page=2')).toBe('/runs?env=staging&page=2');
    expect(sameOriginPath('/runs/3f2a9c41')).toBe('/runs/3f2a9c41');
  });

  it('turns anything else into /', () => {
    for (const next of [null, undefined, '', 'runs', 'https://evil.example/', '//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)', '/login', '/logout?x=1']) {
      expect(sameOriginPath(next), String(next)).toBe('/');
    }
  });
});

describe('page sessions', () => {
  it('accepts its own cookie until it expires, and nothing signed with another token', () => {
    let now = 1_000_000;
    const sessions = pageSessions('the-pages-token-123', () => now);
    const cookie = sessions.issue('token holder', 60_000);
    expect(cookie).not.toContain('the-pages-token-123');
    expect(sessions.verify(cookie)).toBe('token holder');
    expect(pageSessions('another-token-4567', () => now).verify(cookie)).toBeUndefined();
    expect(sessions.verify(`${cookie}x`)).toBeUndefined();
    expect(sessions.verify('v1.e30.AAAA')).toBeUndefined();
    expect(sessions.verify(undefined)).toBeUndefined();
    now += 59_999;
    expect(sessions.verify(cookie)).toBe('token holder');
    now += 1;
    expect(sessions.verify(cookie)).toBeUndefined();
  });
});

describe('the login throttle', () => {
  it('holds an address back after too many failures in the window, and forgets them after it', () => {
    let now = 0;
    const throttle = loginThrottle(() => now, { max: 3, windowMs: 1_000 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(throttle.waitFor('a')).toBe(0);
      throttle.failed('a');
    }
    now = 400;
    expect(throttle.waitFor('a')).toBe(600);
    expect(throttle.waitFor('b')).toBe(0);
    now = 1_000;
    expect(throttle.waitFor('a')).toBe(0);
  });

  it('forgets an address that signs in', () => {
    const throttle = loginThrottle(() => 0, { max: 1, windowMs: 1_000 });
    throttle.failed('a');
    expect(throttle.waitFor('a')).toBe(1_000);
    throttle.succeeded('a');
    expect(throttle.waitFor('a')).toBe(0);
  });
});

describe('the run page link', () => {
  it('keeps a public URL’s path prefix', () => {
    expect(runPageUrl('https://firedrill.example.com', 'abc')).toBe('https://firedrill.example.com/runs/abc');
    expect(runPageUrl('https://tools.example.com/firedrill/', 'abc')).toBe('https://tools.example.com/firedrill/runs/abc');
  });
});
