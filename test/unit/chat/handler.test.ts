import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../../src/catalogue/load.js';
import type { ChatAdapter, ChatRequest } from '../../../src/chat/adapter.js';
import type { ChatDeps } from '../../../src/chat/context.js';
import type { ChatMetrics } from '../../../src/chat/chat-metrics.js';
import { createChatHandler } from '../../../src/chat/handler.js';
import type { ChatMessage } from '../../../src/chat/message.js';
import { systemClock } from '../../../src/engine/clock.js';
import type { RunStore, RunSummary, RuntimeFactory } from '../../../src/engine/ports.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { journal } from '../scoring/journal-builder.js';

/** An adapter that keeps what the handler answered. */
function recordingAdapter(): ChatAdapter & { replies: ChatMessage[] } {
  const replies: ChatMessage[] = [];
  return {
    platform: 'test',
    ownsChannel: () => false,
    replies,
    start: async () => undefined,
    stop: async () => undefined,
    post: async (channel) => ({ channel, id: '1' }),
    update: async () => undefined,
    reply: async (_to, message) => void replies.push(message),
  };
}

function handlerWith(store: Partial<RunStore>, server: { publicUrl?: string } = {}, metrics?: ChatMetrics) {
  const logged: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => (logged.push(String(chunk)), done()) }));
  const adapter = recordingAdapter();
  const catalogue = { configPath: 'firedrill.yaml', configDir: '.', config: { environments: {}, server: { host: '127.0.0.1', port: 8080, ...server } }, drills: new Map() } as unknown as Catalogue;
  const deps: ChatDeps = {
    catalogue,
    store: store as RunStore,
    clock: systemClock(),
    runtimes: {} as RuntimeFactory,
    log,
    adapter,
    drillsIn: () => [],
    stop: new AbortController().signal,
    metrics,
  };
  return { handler: createChatHandler(deps), adapter, logged };
}

const request = (text: string): ChatRequest => ({ text, user: { id: 'U1', label: '<@U1>', groups: [] }, channel: 'C1' });

describe('the chat command handler', () => {
  it('answers an unexpected failure with a reference, never the error, and logs the detail under it', async () => {
    const { handler, adapter, logged } = handlerWith({
      active: async () => {
        throw new Error('connection to 10.0.0.5:5432 refused, password=hunter2');
      },
    });
    await handler.handle(request('status'));
    const [reply] = adapter.replies;
    expect(reply!.title).toMatch(/^internal error \(reference [0-9a-f]{8}\)$/);
    expect(JSON.stringify(reply)).not.toContain('refused');
    const reference = /reference ([0-9a-f]{8})/.exec(reply!.title)![1]!;
    expect(logged.join('')).toContain(reference);
    expect(logged.join('')).toContain('connection to 10.0.0.5:5432 refused');
  });

  it('shows a UserError as it is, with its hint', async () => {
    const { handler, adapter } = handlerWith({});
    await handler.handle(request('approve zz!'));
    expect(adapter.replies[0]).toMatchObject({ title: '"zz!" is not a run id', lines: ['give at least 4 characters of a run id, from `status` or `history` in chat or `firedrill scorecards`'] });
  });

  it('needs an environment name when the config has none to default to', async () => {
    const { handler, adapter } = handlerWith({});
    await handler.handle(request('random'));
    expect(adapter.replies[0]).toMatchObject({ title: 'firedrill.yaml has no environments' });
  });

  it('links a scorecard to its run page when server.publicUrl is set, and not otherwise', async () => {
    const id = '3f2a9c41-d7b0-4e1a-9c2b-5e1a3f2a9c41';
    const run = { id, drill: 'drop-orders-table', environment: 'staging' } as RunSummary;
    const events = journal().created({ rtoMs: 60_000 }).injected(0).recovered(20_000).add({ type: 'verified', ok: true }, 21_000).events;
    const store = { findByPrefix: async () => [run], scorecard: async () => scoreRun(id, events) };
    const linked = handlerWith(store, { publicUrl: 'https://firedrill.example.com/' });
    await linked.handler.handle(request('scorecard 3f2a9c41'));
    expect(linked.adapter.replies[0]!.link).toEqual({ label: 'Run page', url: `https://firedrill.example.com/runs/${id}` });
    const plain = handlerWith(store);
    await plain.handler.handle(request('scorecard 3f2a9c41'));
    expect(plain.adapter.replies[0]!.title).toMatch(/^Scorecard /);
    expect(plain.adapter.replies[0]!.link).toBeUndefined();
  });

  it('counts each command by its result for /metrics, and failed replies', async () => {
    const counted: string[] = [];
    const metrics: ChatMetrics = {
      command: (platform, command, result) => void counted.push(`${platform} ${command} ${result}`),
      replyFailed: (platform) => void counted.push(`${platform} reply failed`),
    };
    const { handler, adapter } = handlerWith({ active: async () => { throw new Error('store down'); } }, {}, metrics);
    await handler.handle(request('help'));
    await handler.handle(request('dance'));
    await handler.handle(request('approve zz!'));
    await handler.handle(request('status'));
    adapter.reply = async () => {
      throw new Error('slack is down');
    };
    await handler.handle(request('help'));
    expect(counted).toEqual([
      'test help answered',
      'test unknown unparsed',
      'test approve refused',
      'test status failed',
      'test help answered',
      'test reply failed',
    ]);
  });
});
