import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAlerts, type AlertSource } from '../../src/server/alert-payloads.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookAuthenticator } from '../../src/server/webhook-auth.js';
import { ODD_KEYS, RUNS, STACK_TRACE } from './support.js';

const SOURCES: AlertSource[] = ['alertmanager', 'grafana', 'generic'];
const NOW = 1_750_000_000_000;

/** Labels with odd names and values of every JSON type. */
const labels = fc.dictionary(fc.oneof(fc.constantFrom(...ODD_KEYS, 'alertname', 'severity', ''), fc.string({ maxLength: 6 })), fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }), { maxKeys: 5 });
const startsAt = fc.oneof(fc.constant(undefined), fc.constantFrom('0001-01-01T00:00:00Z', '2025-01-02T03:04:05Z', 'not a date', '', '9999-99-99', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00.001Z'), fc.string({ maxLength: 12 }), fc.integer());
const alert = fc.record(
  { status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.string({ maxLength: 8 }), fc.constant(null)), labels: fc.oneof({ weight: 4, arbitrary: labels }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), startsAt, name: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })) },
  { requiredKeys: [] },
);
/** Bodies as they arrive: Alertmanager/Grafana-shaped, generic, batches, arbitrary JSON, JSON with __proto__ keys. */
const body = fc.oneof(
  fc.record({ version: fc.oneof(fc.constant('4'), fc.jsonValue({ maxDepth: 0 })), alerts: fc.oneof({ weight: 4, arbitrary: fc.array(alert, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }) }, { requiredKeys: [] }),
  alert,
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }).map((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }),
  fc.constantFrom('{"__proto__": {"polluted": 1}, "alerts": []}', '{"alerts": [{"status": "firing", "labels": {"__proto__": "x", "constructor": "y"}}]}', '{"name": "x", "labels": {"__proto__": {"polluted": 1}}}').map((text) => JSON.parse(text) as unknown),
);

describe('fuzz: webhook bodies (parseAlerts)', () => {
  it('never throws; what it accepts is well-formed; what it refuses says why in one line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), body, (source, payload) => {
        const parsed = parseAlerts(source, payload);
        if (!parsed.ok) {
          expect(typeof parsed.error).toBe('string');
          expect(parsed.error).not.toMatch(STACK_TRACE);
          return;
        }
        for (const entry of parsed.alerts) {
          expect(entry.source).toBe(source);
          expect(typeof entry.name).toBe('string');
          expect(['firing', 'resolved']).toContain(entry.status);
          for (const [key, value] of Object.entries(entry.labels)) expect([key, typeof value]).toEqual([key, 'string']);
          if (entry.startsAt !== undefined) expect(Number.isNaN(entry.startsAt.getTime())).toBe(false);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS.quick },
    );
  });
});

const secret = fc.string({ minLength: 16, maxLength: 40 }).filter((text) => text.trim() === text && !/[\r\n]/.test(text));
const bytes = fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array));
const timestamp = fc.oneof(fc.constant(String(Math.floor(NOW / 1000))), fc.integer({ min: -1, max: 2 ** 40 }).map(String), fc.string({ maxLength: 14 }), fc.constantFrom('1e9', '0x10', ' 1750000000', '1750000000.5', ''));
const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const header = fc.oneof(fc.string({ maxLength: 80 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }));

function sign(key: string, at: string, payload: Buffer): string {
  return createHmac('sha256', key).update(`v1:${at}:`).update(payload).digest('hex');
}

describe('fuzz: webhook authentication (webhookAuthenticator)', () => {
  it('never authenticates a request made without the secret, and never throws', () => {
    fc.assert(
      fc.property(
        fc.record({ token: fc.option(secret, { nil: undefined }), hmacSecret: fc.option(secret, { nil: undefined }) }),
        secret,
        bytes,
        fc.record({
          authorization: fc.oneof(header, secret.map((guess) => `Bearer ${guess}`)),
          signature: fc.oneof(header, hex64.map((hex) => `v1=${hex}`)),
          timestamp,
          otherKey: fc.boolean(),
        }),
        (secrets, otherSecret, payload, guess) => {
          const authenticate = webhookAuthenticator(secrets, () => NOW);
          // A signature made with another key, over the right timestamp and body, is as good as a guess.
          const signature = guess.otherKey && typeof guess.timestamp === 'string' ? `v1=${sign(otherSecret, guess.timestamp, payload)}` : guess.signature;
          const headers = { authorization: guess.authorization, [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: guess.timestamp } as IncomingHttpHeaders;
          fc.pre(otherSecret !== secrets.hmacSecret && `Bearer ${otherSecret}` !== `Bearer ${secrets.token}`);
          const result = authenticate(headers, payload);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).not.toMatch(STACK_TRACE);
        },
      ),
      { numRuns: RUNS.quick },
    );
  });

  it('a token or signature altered in any way is refused; the genuine one is taken once', () => {
    const tamper = fc.oneof(
      fc.constant((text: string) => text.toUpperCase()),
      fc.constant((text: string) => text.slice(0, -1)),
      fc.constant((text: string) => `${text} `),
      fc.constant((text: string) => `${text}x`),
      fc.constant((text: string) => ` ${text.slice(1)}`),
      fc.nat().map((at) => (text: string) => {
        const index = at % text.length;
        return text.slice(0, index) + String.fromCharCode((text.charCodeAt(index) + 1) % 0x10000) + text.slice(index + 1);
      }),
    );
    fc.assert(
      fc.property(secret, secret, bytes, tamper, fc.boolean(), (token, hmacSecret, payload, change, byToken) => {
        const authenticate = webhookAuthenticator({ token, hmacSecret }, () => NOW);
        const at = String(Math.floor(NOW / 1000));
        const genuine = byToken
          ? { authorization: `Bearer ${token}` }
          : { [SIGNATURE_HEADER]: `v1=${sign(hmacSecret, at, payload)}`, [TIMESTAMP_HEADER]: at };
        if (byToken) {
          fc.pre(change(token) !== token && change(token).trim() !== token);
          expect(authenticate({ authorization: `Bearer ${change(token)}` }, payload).ok).toBe(false);
        } else {
          // The body or the timestamp changed after signing, or a signature for another body.
          const signature = `v1=${sign(hmacSecret, at, payload)}`;
          expect(authenticate({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: at }, Buffer.concat([payload, Buffer.from('x')])).ok).toBe(false);
          expect(authenticate({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(Number(at) + 1) }, payload).ok).toBe(false);
          const other = Buffer.from(change(payload.toString('latin1')), 'latin1');
          if (!other.equals(payload)) expect(authenticate({ [SIGNATURE_HEADER]: `v1=${sign(hmacSecret, at, other)}`, [TIMESTAMP_HEADER]: at }, payload).ok).toBe(false);
        }
        expect(authenticate(genuine as IncomingHttpHeaders, payload).ok).toBe(true);
        // A signed request is taken once; a bearer token is a standing credential.
        expect(authenticate(genuine as IncomingHttpHeaders, payload).ok).toBe(byToken);
      }),
      { numRuns: RUNS.medium },
    );
  });
});
