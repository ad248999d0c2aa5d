import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface WebhookSecrets {
  /** Checked against `Authorization: Bearer <token>`. */
  token?: string;
  /** Checked against `X-Firedrill-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
  hmacSecret?: string;
}

export const SIGNATURE_HEADER = 'x-firedrill-signature';
const MAX_BODY_BYTES = 1024 * 1024;

export function webhooksEnabled(secrets: WebhookSecrets): boolean {
  return Boolean(secrets.token || secrets.hmacSecret);
}

/** Either secret is enough; both are compared in constant time. */
export function authenticated(headers: IncomingHttpHeaders, body: Buffer, secrets: WebhookSecrets): boolean {
  if (secrets.token) {
    const presented = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (presented !== undefined && sameBytes(presented, secrets.token)) return true;
  }
  if (secrets.hmacSecret) {
    const header = headers[SIGNATURE_HEADER];
    const presented = /^sha256=([0-9a-f]{64})$/i.exec(Array.isArray(header) ? header[0] ?? '' : header ?? '')?.[1];
    const expected = createHmac('sha256', secrets.hmacSecret).update(body).digest('hex');
    if (presented !== undefined && sameBytes(presented.toLowerCase(), expected)) return true;
  }
  return false;
}

export function authenticationHint(secrets: WebhookSecrets): string {
  const ways = [
    secrets.token && 'send the token as "Authorization: Bearer <token>"',
    secrets.hmacSecret && `sign the body: ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body with the secret>`,
  ].filter(Boolean);
  return ways.join(', or ');
}

export async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sameBytes(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
