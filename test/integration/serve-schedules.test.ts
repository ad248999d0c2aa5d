import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { Catalogue } from '../../src/catalogue/load.js';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import type { ChatDeps } from '../../src/chat/context.js';
import type { ChatMessage } from '../../src/chat/message.js';
import type { OpenedStore } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { Schedule } from '../../src/schedule/schedule-schema.js';
import { serveScheduler } from '../../src/cli/serve-schedules.js';
import type { ServeChat } from '../../src/cli/serve-chat.js';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { startLeaderLock } from '../../adapters/postgres/leader-lock.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { Config } from '../../src/config/config-schema.js';

let postgres: TestPostgres;
let opened: OpenedStore;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('serve');
  const { runs, schedules, deliveries, history, tallies } = await openPostgresStores(postgres.url('serve'));
  opened = { store: runs, schedules, deliveries, history, tallies, location: 'test', leaderLock: async (lock) => startLeaderLock(postgres.url('serve'), lock), close: () => runs.close() };
});
afterAll(async () => {
  await opened?.close();
  await postgres?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

it("announces an upcoming scheduled drill in the schedule's channel, with a Postpone action", async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2027-03-03T09:50:00Z'));
  const posted: { channel: string; message: ChatMessage }[] = [];
  const adapter: ChatAdapter = {
    platform: 'test',
    ownsChannel: (channel) => channel === '!drills:example.org',
    start: async () => undefined,
    stop: async () => undefined,
    post: async (channel, message) => (posted.push({ channel, message }), { channel, id: String(posted.length) }),
    update: async () => undefined,
    reply: async () => undefined,
  };
  const schedule = Schedule.parse({ name: 'weekly-staging', cron: '0 10 * * 3', timezone: 'UTC', environment: 'staging', announce: '15m', channel: '!drills:example.org' });
  const catalogue = {
    configPath: 'firedrill.yaml',
    configDir: '.',
    config: { ...Config.parse({ environments: { staging: {} } }), schedules: [schedule] },
    drills: new Map(),
  } as unknown as Catalogue;
  const chat: ServeChat = {
    routes: {},
    describe: 'test',
    ownerOf: (channel) => (adapter.ownsChannel(channel) ? ({ adapter } as ChatDeps) : undefined),
    stop: async () => undefined,
  };
  const lines: string[] = [];
  const context = { env: {}, log: pino({ level: 'silent' }), clock: systemClock(), out: () => undefined, err: (text: string) => void lines.push(text) };
  const { scheduler } = serveScheduler(context, catalogue, opened, new AbortController().signal, () => chat);
  await scheduler.tick();

  expect(posted).toHaveLength(1);
  expect(posted[0]!.channel).toBe('!drills:example.org');
  expect(posted[0]!.message.lines[0]).toContain('weekly-staging: a random drill starts in staging at Wed 2027-03-03 10:00 UTC');
  expect(posted[0]!.message.actions).toEqual([{ kind: 'postpone', label: 'Postpone', target: 'weekly-staging', style: 'default' }]);
  expect(lines.join('')).toContain('[schedule] weekly-staging: a random drill starts');
});
