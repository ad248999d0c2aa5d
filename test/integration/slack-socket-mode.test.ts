import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import type { ChatHandler } from '../../src/chat/handler.js';
import { UserError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { buttonsOf, hasButton, slackTestCatalogue, slackTestHandler, texts } from '../support/slack-chat.js';
import { buttonClick, slashCommand, startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';
import { startSocketModeServer, type SocketModeServer } from '../support/slack-socket.js';

const APP_TOKEN = 'xapp-1-A0APP-test';
let world: DrillWorld;
let dir: string;
let socket: SocketModeServer;
let api: SlackApiStandIn;
let adapter: SlackAdapter;
let handler: ChatHandler;
const stop = new AbortController();

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-slack-socket-'));
  const catalogue = await slackTestCatalogue(world, dir);
  socket = await startSocketModeServer();
  api = await startSlackApiStandIn({ answers: { 'apps.connections.open': () => ({ ok: true, url: socket.url }) } });
  const log = createLogger('silent');
  adapter = await slackAdapter({ botToken: 'xoxb-test', appToken: APP_TOKEN, apiUrl: api.url, log });
  handler = slackTestHandler(world, catalogue, adapter, log, stop.signal);
  await adapter.start((request) => handler.handle(request));
});

afterAll(async () => {
  stop.abort();
  await handler?.idle();
  await adapter?.stop();
  await socket?.close();
  await api?.close();
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

const click = (kind: string, runId: string, user: string) => JSON.parse(buttonClick(kind, runId, user).payload!) as Record<string, unknown>;

describe('Slack in Socket Mode (real Bolt, a local Socket Mode server, Web API stand-in)', () => {
  it('opens its connection through SLACK_API_URL with the app token, and serves no HTTP', async () => {
    const open = await api.waitFor((call) => call.method === 'apps.connections.open');
    expect(open.token).toBe(APP_TOKEN);
    expect(socket.connections()).toBe(1);
    expect(adapter.mode).toBe('socket');
    expect(adapter.requestListener).toBeUndefined();
    expect(adapter.url()).toBeUndefined();
  });

  it('acks a /drill envelope within 3 s and answers in the channel', async () => {
    const ack = await socket.send('slash_commands', slashCommand('help', 'U0EVE'));
    expect(ack.ms).toBeLessThan(3_000);
    expect(ack.payload).toEqual({});
    const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && texts(call).includes('disaster-recovery fire drills'));
    expect(reply.body.channel).toBe('C0DRILLS');
    expect(reply.token).toBe('xoxb-test');

    await socket.send('slash_commands', slashCommand('stauts', 'U0EVE'));
    await api.waitFor((call) => texts(call).includes('unknown command \\"stauts\\"; did you mean \\"status\\"?'));
  });

  it('runs a drill from /drill with one live message; the Detected button, clicked over the socket, reaches the journal', async () => {
    await world.createOrders(10);
    await world.backupOrders();
    await socket.send('slash_commands', slashCommand('run drop-orders-table staging', 'U0ALICE'));
    const posted = await api.waitFor((call) => call.method === 'chat.postMessage' && texts(call).includes('Starting drop-orders-table in staging'));
    const injected = await api.waitFor((call) => hasButton('detected')(call) && texts(call).includes('waiting for detection'));
    const runId = buttonsOf(injected)[0]!.value;

    const ack = await socket.send('interactive', click('detected', runId, 'U0BOB'));
    expect(ack.ms).toBeLessThan(3_000);
    const scorecard = await api.waitFor((call) => call.method === 'chat.update' && texts(call).includes('Scorecard PASS: drop-orders-table in staging'));
    expect(scorecard.body.channel).toBe(posted.body.channel);
    expect(scorecard.body.ts).toBe(posted.response.ts);
    const events = await world.store.events(runId);
    expect(events.find((event) => event.type === 'detected')).toMatchObject({ by: { source: 'chat', name: '<@U0BOB>' } });
    expect(events.find((event) => event.type === 'run-created')).toMatchObject({ requestedBy: '<@U0ALICE>' });
    expect(await world.orderCount()).toBe(10);
  });

  it('answers a mention (events_api envelope) in its thread', async () => {
    const ts = `${Date.now() / 1000}`;
    const ack = await socket.send('events_api', {
      type: 'event_callback',
      team_id: 'T0TEAM',
      api_app_id: 'A0APP',
      event_id: 'Ev1',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_mention', user: 'U0EVE', text: '<@U0BOT> history staging 2', ts, channel: 'C0OTHER', event_ts: ts },
    });
    expect(ack.ms).toBeLessThan(3_000);
    const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && call.body.channel === 'C0OTHER');
    expect(reply.body.thread_ts).toBe(ts);
    expect(texts(reply)).toContain('Last 1 run(s) for staging');
  });

  it('closes its connection on stop and does not reconnect', async () => {
    await handler.idle();
    const closed = socket.disconnected();
    await adapter.stop();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socket.connections()).toBe(1);
    expect(api.calls.filter((call) => call.method === 'apps.connections.open')).toHaveLength(1);
  });
});

describe('Slack Socket Mode start-up', () => {
  it('says so when Slack refuses the app token', async () => {
    const refusing = await startSlackApiStandIn({ answers: { 'apps.connections.open': () => ({ ok: false, error: 'invalid_auth' }) } });
    const bot = await slackAdapter({ botToken: 'xoxb-test', appToken: 'xapp-revoked', apiUrl: refusing.url, log: createLogger('silent') });
    try {
      const started = bot.start(async () => undefined);
      await expect(started).rejects.toBeInstanceOf(UserError);
      await expect(started).rejects.toThrow('Slack refused SLACK_APP_TOKEN (invalid_auth)');
    } finally {
      await bot.stop();
      await refusing.close();
    }
  });
});
