import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { systemClock } from '../../src/engine/clock.js';
import type { RunStore } from '../../src/engine/ports.js';
import { createLogger } from '../../src/log.js';
import type { ScheduleStore } from '../../src/schedule/ports.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

const SECRET = 'hmac-secret-for-tests';
/** The server's clock, which the test moves. */
let nowMs = Date.parse('2026-11-30T09:00:00Z');
let postgres: TestPostgres;
let runs: RunStore;
let schedules: ScheduleStore;
let server: RunningHttpServer;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('hooks');
  ({ runs, schedules } = await openPostgresStores(postgres.url('hooks')));
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    alertToken: undefined,
    alertHmacSecret: SECRET,
    incidents: schedules,
    log: createLogger('silent'),
    now: () => nowMs,
    headersTimeoutMs: 500,
    intake: { store: runs, clock: systemClock(), drillFor: () => undefined },
  });
});

afterAll(async () => {
  await server?.close();
  await runs?.close();
  await postgres?.stop();
});

/** The two headers of a request signed at `atMs` (default: the server's now). */
const signed = (body: string, { secret = SECRET, atMs = nowMs } = {}) => {
  const timestamp = String(Math.floor(atMs / 1000));
  const signature = `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-firedrill-timestamp': timestamp, 'x-firedrill-signature': signature };
};
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('webhooks signed with an HMAC', () => {
  it('accepts a body signed with the secret, and rejects a wrong, missing or tampered signature', async () => {
    const body = JSON.stringify({ name: 'OrdersTableMissing', status: 'firing' });
    expect((await post('/hooks/generic', body, signed(body))).status).toBe(202);
    nowMs += 1000;
    expect((await post('/hooks/generic', body, signed(body, { secret: 'other secret' }))).status).toBe(401);
    expect((await post('/hooks/generic', body, {})).status).toBe(401);
    const tampered = body.replace('firing', 'resolved');
    const rejected = await post('/hooks/generic', tampered, signed(body));
    expect(rejected.status).toBe(401);
    expect(((await rejected.json()) as { error: string }).error).toContain('x-firedrill-signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>"');
    // A bearer token is not accepted when only an HMAC secret is configured.
    expect((await post('/hooks/generic', body, { authorization: `Bearer ${SECRET}` })).status).toBe(401);
  });

  it('refuses a replay of a signed request, and a signature more than 5 minutes from its timestamp', async () => {
    nowMs += 1000;
    const body = JSON.stringify({ name: 'ReplayMe', status: 'firing' });
    const headers = signed(body);
    expect((await post('/hooks/generic', body, headers)).status).toBe(202);
    const replayed = await post('/hooks/generic', body, headers);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toMatch(/already taken \(a replay\)/);
    // Much later, the same signed request is too old to take.
    nowMs += 6 * 60_000;
    const late = await post('/hooks/generic', body, headers);
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error: string }).error).toMatch(/more than 5 minutes from this server's clock/);
    expect((await post('/hooks/generic', body, signed(body, { atMs: nowMs + 6 * 60_000 }))).status).toBe(401);
    // A signature is good for ten minutes in all (five either side): first taken early in that
    // window, it is still a replay six minutes later.
    const early = JSON.stringify({ name: 'EarlyReplay', status: 'firing' });
    const earlyHeaders = signed(early, { atMs: nowMs + 4 * 60_000 });
    expect((await post('/hooks/generic', early, earlyHeaders)).status).toBe(202);
    nowMs += 6 * 60_000;
    expect((await post('/hooks/generic', early, earlyHeaders)).status).toBe(401);
    nowMs -= 6 * 60_000;
    expect((await post('/hooks/generic', body, signed(body, { atMs: nowMs - 4 * 60_000 }))).status).toBe(202);
  });
});

describe('bodies and slow clients', () => {
  it('answers 413 to a body over 1 MiB, declared or not, before reading it', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const declared = await post('/hooks/generic', big, signed(big));
    expect(declared.status).toBe(413);
    // Without Content-Length (chunked), the reading stops counting at the limit.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(512 * 1024)));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/hooks/generic`, { method: 'POST', body: stream, duplex: 'half', headers: signed('') } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('cuts a client that sends its headers too slowly', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /hooks/generic HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('the incident switch', () => {
  it('opens and closes the incident that schedule blackouts read', async () => {
    const open = JSON.stringify({ action: 'open', reason: 'db failover', by: 'pagerduty' });
    const opened = await post('/hooks/incident', open, signed(open));
    expect(opened.status).toBe(200);
    expect(await schedules.openIncidentNow()).toMatchObject({ openedBy: 'pagerduty', reason: 'db failover' });
    // Opening twice is still one incident.
    await post('/hooks/incident', open, signed(open));
    const close = JSON.stringify({ action: 'close' });
    expect((await post('/hooks/incident', close, signed(close))).status).toBe(200);
    expect(await schedules.openIncidentNow()).toBeUndefined();
  });

  it('rejects an unsigned or malformed switch', async () => {
    const open = JSON.stringify({ action: 'open' });
    expect((await post('/hooks/incident', open, {})).status).toBe(401);
    const bad = JSON.stringify({ action: 'maybe' });
    const response = await post('/hooks/incident', bad, signed(bad));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('"action": "open" | "close"');
    expect(await schedules.openIncidentNow()).toBeUndefined();
  });
});
