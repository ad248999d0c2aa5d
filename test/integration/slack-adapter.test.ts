import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import type { ChatHandler } from '../../src/chat/handler.js';
import { createLogger } from '../../src/log.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { buttonsOf, hasButton, slackTestCatalogue, slackTestHandler, texts } from '../support/slack-chat.js';
import { buttonClick, postSlackEvent, postToSlackEvents, slashCommand, startSlackApiStandIn, type SlackApiStandIn, type SlackCall } from '../support/slack.js';

const SECRET = 'test-signing-secret';
let world: DrillWorld;
let dir: string;
let api: SlackApiStandIn;
let adapter: SlackAdapter;
let handler: ChatHandler;
let url: string;
const stop = new AbortController();

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-slack-'));
  const catalogue = await slackTestCatalogue(world, dir, `overrides:
  drop-orders-table-manual:
    requiresApproval: true
`);
  api = await startSlackApiStandIn();
  const log = createLogger('silent');
  adapter = await slackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: api.url, log, listen: { port: 0, host: '127.0.0.1' } });
  handler = slackTestHandler(world, catalogue, adapter, log, stop.signal);
  await adapter.start((request) => handler.handle(request));
  url = adapter.url()!;
});

afterAll(async () => {
  stop.abort();
  await handler?.idle();
  await adapter?.stop();
  await api?.close();
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

const runIdIn = (call: SlackCall) => buttonsOf(call)[0]!.value;

describe('Slack (Bolt over HTTP, signed requests, Web API stand-in)', () => {
  it('rejects unsigned, forged and stale requests with 401 and does nothing', async () => {
    const form = slashCommand('run drop-orders-table staging', 'U0ALICE');
    expect((await postToSlackEvents(url, form, null)).status).toBe(401);
    expect((await postToSlackEvents(url, form, 'not-the-secret')).status).toBe(401);
    expect((await postToSlackEvents(url, form, SECRET, Math.floor(Date.now() / 1000) - 600)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(api.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
  });

  it('acks /drill at once and answers in the channel', async () => {
    const started = Date.now();
    const response = await postToSlackEvents(url, slashCommand('help', 'U0EVE'), SECRET);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && texts(call).includes('disaster-recovery fire drills'));
    expect(reply.body.channel).toBe('C0DRILLS');

    await postToSlackEvents(url, slashCommand('stauts', 'U0EVE'), SECRET);
    await api.waitFor((call) => texts(call).includes('unknown command \\"stauts\\"; did you mean \\"status\\"?'));
  });

  it('runs a command once, however often Slack delivers it (retries, duplicate deliveries)', async () => {
    const form = slashCommand('help', 'U0EVE', 'C0REPEATS');
    expect((await postToSlackEvents(url, form, SECRET)).status).toBe(200);
    expect((await postToSlackEvents(url, form, SECRET)).status).toBe(200);
    const retry = { ...slashCommand('help', 'U0EVE', 'C0REPEATS') };
    expect((await postToSlackEvents(url, retry, SECRET, undefined, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status).toBe(200);
    // A later command in the same channel is answered once the repeats would have been.
    await postToSlackEvents(url, slashCommand('list', 'U0EVE', 'C0REPEATS'), SECRET);
    await api.waitFor((call) => call.body.channel === 'C0REPEATS' && texts(call).includes('drills; environments'));
    const helps = api.calls.filter((call) => call.body.channel === 'C0REPEATS' && texts(call).includes('disaster-recovery fire drills'));
    expect(helps).toHaveLength(1);
  });

  it('refuses people without permission, with who may', async () => {
    await postToSlackEvents(url, slashCommand('run drop-orders-table staging', 'U0EVE'), SECRET);
    const refusal = await api.waitFor((call) => texts(call).includes('may not run drills in staging'));
    expect(texts(refusal)).toContain('<@U0EVE> may not run drills in staging');
    expect(texts(refusal)).toContain('ask one of: U0ALICE');
  });

  it('runs a drill from /drill with one live message; the Detected button sets the TTD; it ends as the scorecard', async () => {
    await world.createOrders(10);
    await world.backupOrders();
    const response = await postToSlackEvents(url, slashCommand('run drop-orders-table staging', 'U0ALICE'), SECRET);
    expect(response.status).toBe(200);
    const posted = await api.waitFor((call) => call.method === 'chat.postMessage' && texts(call).includes('Starting drop-orders-table in staging'));
    const injected = await api.waitFor((call) => hasButton('detected')(call) && texts(call).includes('waiting for detection'));
    const runId = runIdIn(injected);

    expect((await postToSlackEvents(url, buttonClick('detected', runId, 'U0BOB'), SECRET)).status).toBe(200);
    const scorecard = await api.waitFor((call) => call.method === 'chat.update' && texts(call).includes('Scorecard PASS: drop-orders-table in staging'));
    expect(scorecard.body.channel).toBe(posted.body.channel);
    // One message per run: every update of this run edits the message first posted.
    const updates = api.calls.filter((call) => call.method === 'chat.update' && call.body.ts === posted.response.ts);
    expect(updates.length).toBeGreaterThan(2);
    expect(updates.at(-1)).toBe(scorecard);
    expect(buttonsOf(scorecard)).toEqual([]);
    const events = await world.store.events(runId);
    expect(events.find((event) => event.type === 'detected')).toMatchObject({ by: { source: 'chat', name: '<@U0BOB>' } });
    expect(events.find((event) => event.type === 'run-created')).toMatchObject({ requestedBy: '<@U0ALICE>' });
    expect(await world.orderCount()).toBe(10);
  });

  it('needs a second person to approve (a member of an allowed user group), and the requester can abort from the button', async () => {
    await world.createOrders(10);
    await postToSlackEvents(url, slashCommand('run drop-orders-table-manual staging', 'U0ALICE'), SECRET);
    const waiting = await api.waitFor(hasButton('approve'));
    const runId = runIdIn(waiting);

    await postToSlackEvents(url, buttonClick('approve', runId, 'U0ALICE'), SECRET);
    await api.waitFor((call) => texts(call).includes('approval must come from a second person'));
    await postToSlackEvents(url, buttonClick('approve', runId, 'U0CAROL'), SECRET);
    await api.waitFor((call) => texts(call).includes('<@U0CAROL> may not approve runs in staging'));
    // U0DAVE may: he is in the S0SRE user group.
    await postToSlackEvents(url, buttonClick('approve', runId, 'U0DAVE'), SECRET);
    await api.waitFor((call) => hasButton('detected')(call) && buttonsOf(call)[0]!.value === runId);
    expect((await world.store.events(runId)).find((event) => event.type === 'approved')).toMatchObject({ by: '<@U0DAVE>' });

    await postToSlackEvents(url, buttonClick('abort', runId, 'U0ALICE'), SECRET);
    await api.waitFor((call) => call.method === 'chat.update' && texts(call).includes('Scorecard ABORTED: drop-orders-table-manual'));
    expect(await world.orderCount()).toBe(10);
  });

  it('turns a Postpone button into the postpone command for its schedule', async () => {
    const response = await postToSlackEvents(url, buttonClick('postpone', 'weekly-staging', 'U0ALICE'), SECRET);
    expect(response.status).toBe(200);
    // This handler has no schedule store: the answer proves the click arrived as `postpone weekly-staging`.
    await api.waitFor((call) => call.method === 'chat.postMessage' && texts(call).includes('schedules and incidents are not available here'));
  });

  it('answers a mention in its thread', async () => {
    const response = await postSlackEvent(
      url,
      {
        type: 'event_callback',
        team_id: 'T0TEAM',
        api_app_id: 'A0APP',
        event_id: 'Ev1',
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_mention', user: 'U0EVE', text: '<@U0BOT> history staging 2', ts: `${Date.now() / 1000}`, channel: 'C0OTHER', event_ts: `${Date.now() / 1000}` },
      },
      SECRET,
    );
    expect(response.status).toBe(200);
    const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && call.body.channel === 'C0OTHER');
    expect(reply.body.thread_ts).toBeDefined();
    expect(texts(reply)).toContain('Last 2 run(s) for staging');
  });
});
