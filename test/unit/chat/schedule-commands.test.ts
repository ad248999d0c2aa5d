import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../../src/catalogue/load.js';
import type { ChatAdapter, ChatRequest } from '../../../src/chat/adapter.js';
import { parseCommand } from '../../../src/chat/commands.js';
import type { ChatDeps, ChatSchedules } from '../../../src/chat/context.js';
import { createChatHandler } from '../../../src/chat/handler.js';
import type { ChatMessage } from '../../../src/chat/message.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import { systemClock } from '../../../src/engine/clock.js';
import type { RunStore, RuntimeFactory } from '../../../src/engine/ports.js';
import type { Incident } from '../../../src/schedule/ports.js';

function world() {
  const replies: ChatMessage[] = [];
  const postponed: string[] = [];
  let incident: Incident | undefined;
  const adapter: ChatAdapter = {
    platform: 'test',
    ownsChannel: () => false,
    start: async () => undefined,
    stop: async () => undefined,
    post: async (channel) => ({ channel, id: '1' }),
    update: async () => undefined,
    reply: async (_to, message) => void replies.push(message),
  };
  const schedules: ChatSchedules = {
    postpone: async (name, by) => {
      postponed.push(`${name} by ${by}`);
      return `${by} postponed the ${name} drill by 1d`;
    },
    incidents: {
      openIncident: async (openedBy, reason) => void (incident ??= { openedAt: new Date('2027-03-03T10:00:00Z'), openedBy, reason }),
      closeIncident: async () => {
        const closed = incident;
        incident = undefined;
        return closed;
      },
      openIncidentNow: async () => incident,
    },
  };
  const catalogue = {
    configPath: 'firedrill.yaml',
    configDir: '.',
    config: {
      environments: { staging: { chat: ChatPermissions.parse({ run: ['U1'] }) } },
      schedules: [{ name: 'weekly-staging', environment: 'staging' }],
      chat: { answerIn: ['C1'] },
    },
    drills: new Map(),
  } as unknown as Catalogue;
  const deps: ChatDeps = {
    catalogue,
    store: {} as RunStore,
    clock: systemClock(),
    runtimes: {} as RuntimeFactory,
    log: pino({ level: 'silent' }),
    adapter,
    drillsIn: () => [],
    stop: new AbortController().signal,
    schedules,
  };
  const handler = createChatHandler(deps);
  const say = async (text: string, user = 'U1', channel = 'C1') => {
    const request: ChatRequest = { text, user: { id: user, label: `<@${user}>`, groups: [] }, channel };
    await handler.handle(request);
    return replies.at(-1)!;
  };
  return { say, postponed };
}

describe('postpone and incident from chat', () => {
  it('parses them, with the rest of the line as the incident reason', () => {
    expect(parseCommand('postpone weekly-staging')).toEqual({ ok: true, command: { kind: 'postpone', schedule: 'weekly-staging' } });
    expect(parseCommand('incident open db failover in eu-west-1')).toEqual({
      ok: true,
      command: { kind: 'incident', action: 'open', reason: 'db failover in eu-west-1' },
    });
    expect(parseCommand('incident close now')).toMatchObject({ ok: false, error: 'incident close takes no reason' });
    expect(parseCommand('incident maybe')).toMatchObject({ ok: false, error: 'incident: "maybe" is not open, close or status' });
    expect(parseCommand('postpone')).toMatchObject({ ok: false, error: 'postpone needs an argument' });
  });

  it('postpones for someone who may run drills in the schedule environment, and refuses others', async () => {
    const { say, postponed } = world();
    expect((await say('postpone weekly-staging')).title).toBe('<@U1> postponed the weekly-staging drill by 1d');
    expect((await say('postpone weekly-staging', 'U2')).title).toBe('<@U2> may not run drills in staging');
    expect((await say('postpone nightly')).title).toBe('no schedule "nightly"');
    expect(postponed).toEqual(['weekly-staging by <@U1>']);
  });

  it('opens, reports and closes the incident; only people who may run drills flip it', async () => {
    const { say } = world();
    expect((await say('incident open db failover', 'U2')).title).toBe('<@U2> may not run drills in staging');
    expect((await say('incident status')).title).toBe('no incident is open');
    await say('incident open db failover');
    expect((await say('incident status', 'U2')).title).toBe('incident open since 2027-03-03T10:00:00.000Z by <@U1>: db failover');
    expect((await say('incident close')).title).toBe('incident closed (opened by <@U1>: db failover)');
    expect((await say('incident close')).title).toBe('no incident was open');
  });

  it('answers read-only commands only where the config says, when it says', async () => {
    const { say } = world();
    expect((await say('incident status', 'U1', 'C2')).title).toBe('firedrill does not answer questions in this channel');
    expect((await say('help', 'U1', 'C2')).lines).toEqual(['ask in: C1']);
    expect((await say('incident status', 'U1', 'console')).title).toBe('no incident is open');
    expect((await say('incident status', 'U1', 'C1')).title).toBe('no incident is open');
  });
});
