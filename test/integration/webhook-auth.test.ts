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
    intake: { store: runs, clock: systemClock(), drillFor: () => undefined },
  });
});

afterAll(async () => {
  await server?.close();
  await runs?.close();
  await postgres?.stop();
});

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('webhooks signed with an HMAC', () => {
  it('accepts a body signed with the secret, and rejects a wrong, missing or replayed-with-changes signature', async () => {
    const body = JSON.stringify({ name: 'OrdersTableMissing', status: 'firing' });
    expect((await post('/hooks/generic', body, { 'x-firedrill-signature': sign(body) })).status).toBe(202);
    expect((await post('/hooks/generic', body, { 'x-firedrill-signature': sign(body, 'other secret') })).status).toBe(401);
    expect((await post('/hooks/generic', body, {})).status).toBe(401);
    const tampered = body.replace('firing', 'resolved');
    const rejected = await post('/hooks/generic', tampered, { 'x-firedrill-signature': sign(body) });
    expect(rejected.status).toBe(401);
    expect(((await rejected.json()) as { error: string }).error).toContain('x-firedrill-signature: sha256=');
    // A bearer token is not accepted when only an HMAC secret is configured.
    expect((await post('/hooks/generic', body, { authorization: `Bearer ${SECRET}` })).status).toBe(401);
  });
});

describe('the incident switch', () => {
  it('opens and closes the incident that schedule blackouts read', async () => {
    const open = JSON.stringify({ action: 'open', reason: 'db failover', by: 'pagerduty' });
    const opened = await post('/hooks/incident', open, { 'x-firedrill-signature': sign(open) });
    expect(opened.status).toBe(200);
    expect(await schedules.openIncidentNow()).toMatchObject({ openedBy: 'pagerduty', reason: 'db failover' });
    // Opening twice is still one incident.
    await post('/hooks/incident', open, { 'x-firedrill-signature': sign(open) });
    const close = JSON.stringify({ action: 'close' });
    expect((await post('/hooks/incident', close, { 'x-firedrill-signature': sign(close) })).status).toBe(200);
    expect(await schedules.openIncidentNow()).toBeUndefined();
  });

  it('rejects an unsigned or malformed switch', async () => {
    const open = JSON.stringify({ action: 'open' });
    expect((await post('/hooks/incident', open, {})).status).toBe(401);
    const bad = JSON.stringify({ action: 'maybe' });
    const response = await post('/hooks/incident', bad, { 'x-firedrill-signature': sign(bad) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('"action": "open" | "close"');
    expect(await schedules.openIncidentNow()).toBeUndefined();
  });
});
