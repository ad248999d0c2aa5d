import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { seenOnce } from '../net/seen-once.js';

export interface WebhookSecrets {
  /** Checked against `Authorization: Bearer <token>`. */
  token?: string;
  /** Checked against `X-Firedrill-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">`. */
  hmacSecret?: string;
}

export const SIGNATURE_HEADER = 'x-firedrill-signature';
export const TIMESTAMP_HEADER = 'x-firedrill-timestamp';
/** A signature is good this long either side of its timestamp; after that it cannot be replayed. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The hex HMAC-SHA256 of `v1:<timestamp>:<body>`: what firedrill checks on webhooks it
 * receives and what it sends on the ones it signs (the `webhook` notify channel).
 */
export function webhookSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`v1:${timestamp}:`).update(body).digest('hex');
}

export function webhooksEnabled(secrets: WebhookSecrets): boolean {
  return Boolean(secrets.token || secrets.hmacSecret);
}

export type Authentication = { ok: true } | { ok: false; reason: string };

/**
 * Either secret is enough; both are compared in constant time. A signature binds the body to
 * its timestamp (as Slack's and Stripe's do), is refused outside ±5 minutes, and is taken once:
 * the same signed request sent again within the window is a replay.
 */
export function webhookAuthenticator(secrets: WebhookSecrets, now: () => number = Date.now) {
  // A timestamp is good from 5 minutes before to 5 minutes after it: its signature is remembered that long.
  const firstUse = seenOnce(2 * SIGNATURE_TOLERANCE_MS, { now });
  return (headers: IncomingHttpHeaders, body: Buffer): Authentication => {
    if (secrets.token) {
      const presented = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      if (presented !== undefined && sameBytes(presented, secrets.token)) return { ok: true };
    }
    if (!secrets.hmacSecret) return { ok: false, reason: authenticationHint(secrets) };
    const signature = /^v1=([0-9a-f]{64})$/i.exec(single(headers[SIGNATURE_HEADER]))?.[1]?.toLowerCase();
    const timestamp = single(headers[TIMESTAMP_HEADER]);
    if (signature === undefined || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: authenticationHint(secrets) };
    const expected = webhookSignature(secrets.hmacSecret, timestamp, body);
    if (!sameBytes(signature, expected)) return { ok: false, reason: `the signature does not match; ${authenticationHint(secrets)}` };
    const at = now();
    if (Math.abs(at - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS) {
      return { ok: false, reason: `${TIMESTAMP_HEADER} is more than 5 minutes from this server's clock: sign each request when it is sent, and check both clocks` };
    }
    if (!firstUse(signature)) return { ok: false, reason: 'this signed request was already taken (a replay); sign each request anew' };
    return { ok: true };
  };
}

export function authenticationHint(secrets: WebhookSecrets): string {
  const ways = [
    secrets.token && 'send the token as "Authorization: Bearer <token>"',
    secrets.hmacSecret &&
      `sign the request: ${TIMESTAMP_HEADER}: <unix seconds> and ${SIGNATURE_HEADER}: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>" with the secret>`,
  ].filter(Boolean);
  return ways.join(', or ');
}

/**
 * The body, up to `MAX_BODY_BYTES`; undefined when it is larger. The rest of a body too large
 * is read and thrown away rather than kept, so the client gets its 413 instead of a reset.
 */
export function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.once('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** True when the request says its body is larger than the limit: refused before reading it. */
export function declaredTooLarge(request: IncomingMessage): boolean {
  const length = Number(request.headers['content-length']);
  return Number.isFinite(length) && length > MAX_BODY_BYTES;
}


function single(header: string | string[] | undefined): string {
  return (Array.isArray(header) ? header[0] : header) ?? '';
}

function sameBytes(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
