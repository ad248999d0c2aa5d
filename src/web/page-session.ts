import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/** What a session cookie carries: who, and until when (ms since the epoch). Never the token. */
const SessionClaims = z.strictObject({ n: z.string().min(1).max(200), e: z.number().int().positive() });

export interface PageSessions {
  /** A cookie value for `name`, good for `ttlMs` from now. */
  issue(name: string, ttlMs: number): string;
  /** The name in a cookie value that is signed by this token's key and not expired; otherwise undefined. */
  verify(value: string | undefined): string | undefined;
}

/**
 * Stateless sessions: `v1.<claims>.<HMAC-SHA256>`, base64url. The key is derived from the
 * pages token, so every replica accepts the same cookies and changing the token ends every
 * session. A forged, altered or expired cookie reads as no session.
 */
export function pageSessions(token: string, now: () => number = Date.now): PageSessions {
  const key = Buffer.from(hkdfSync('sha256', token, 'firedrill', 'page sessions v1', 32));
  const sign = (claims: string) => createHmac('sha256', key).update(`v1.${claims}`).digest();
  return {
    issue(name, ttlMs) {
      const claims = Buffer.from(JSON.stringify({ n: name, e: Math.floor(now() + ttlMs) })).toString('base64url');
      return `v1.${claims}.${sign(claims).toString('base64url')}`;
    },
    verify(value) {
      const parts = value?.split('.');
      if (parts?.length !== 3 || parts[0] !== 'v1') return undefined;
      const [, claims, signature] = parts as [string, string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(claims);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let parsed: z.infer<typeof SessionClaims>;
      try {
        parsed = SessionClaims.parse(JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')));
      } catch {
        return undefined;
      }
      return parsed.e > now() ? parsed.n : undefined;
    },
  };
}
