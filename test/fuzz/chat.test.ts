import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import type { ChatAdapter, ChatRequest } from '../../src/chat/adapter.js';
import { parseCommand, USAGE, USAGE_LINE } from '../../src/chat/commands.js';
import { consoleAdapter } from '../../src/chat/console-adapter.js';
import type { ChatDeps } from '../../src/chat/context.js';
import { createChatHandler } from '../../src/chat/handler.js';
import type { ChatMessage } from '../../src/chat/message.js';
import { drillsAllowedIn } from '../../src/catalogue/effective.js';
import { systemClock } from '../../src/engine/clock.js';
import type { RunStore, RuntimeFactory } from '../../src/engine/ports.js';
import { INTERNAL_ERROR, ODD_KEYS, RUNS, STACK_TRACE } from './support.js';

const COMMANDS = Object.keys(USAGE);
const SPACES = [' ', '  ', '\t', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '\r', '\n'];

/** What people type: known commands in any case, near-misses, odd names, ids, any characters, any spacing. */
function chatText(): fc.Arbitrary<string> {
  const word = fc.oneof(
    fc.constantFrom(...COMMANDS, ...COMMANDS.map((c) => c.toUpperCase()), ...ODD_KEYS, 'staging', 'k8s-only', 'restore-orders', 'lose-node', 'runn', 'hepl', '0', '50', '51', '-1', '1e3', 'open', 'close', 'status'),
    fc.string({ maxLength: 10 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  return fc.tuple(fc.array(word, { maxLength: 6 }), fc.array(fc.constantFrom(...SPACES), { minLength: 7, maxLength: 7 })).map(([words, spaces]) =>
    words.map((w, i) => `${spaces[i]}${w}`).join('') + spaces[6],
  );
}

/** An empty store: every read finds nothing, every change is refused loudly (the fuzz must not reach one). */
function emptyStore(): RunStore {
  const never = async (): Promise<never> => {
    throw new Error('the chat fuzz reached a store change');
  };
  return {
    createRun: never,
    createFinishedRun: never,
    append: never,
    finish: never,
    claim: never,
    claimed: async () => new Set(),
    events: async () => [],
    unfinished: async () => [],
    active: async () => [],
    get: async () => undefined,
    findByPrefix: async () => [],
    list: async () => [],
    scorecard: async () => null,
    actionItems: async () => [],
    actionItem: async () => undefined,
    watch: async () => async () => undefined,
    ping: async () => undefined,
    close: async () => undefined,
  };
}

function recordingAdapter(): ChatAdapter & { replies: ChatMessage[] } {
  const replies: ChatMessage[] = [];
  return {
    platform: 'fuzz',
    ownsChannel: () => false,
    replies,
    start: async () => undefined,
    stop: async () => undefined,
    post: async (channel) => ({ channel, id: '1' }),
    update: async () => undefined,
    reply: async (_to, message) => void replies.push(message),
  };
}

let catalogue: Catalogue;

/** Enough of a runtime for `plan`: it describes the drill and is never run. */
const planOnlyRuntimes = {
  runtimeFor: async (drill: { id: string }) => ({
    fault: { plan: () => [`inject ${drill.id}`] },
    steadyState: [],
    verify: [],
    close: async () => undefined,
  }),
} as unknown as RuntimeFactory;
const logged: string[] = [];

function depsWith(adapter: ChatAdapter): ChatDeps {
  return {
    catalogue,
    store: emptyStore(),
    clock: systemClock(),
    runtimes: planOnlyRuntimes,
    log: pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => (logged.push(String(chunk)), done()) })),
    adapter,
    drillsIn: (environment) => drillsAllowedIn(catalogue, environment),
    stop: new AbortController().signal,
  };
}

/** A reply fit for a person: no stack, no internal error, no leaked object text. */
function expectHumane(message: ChatMessage, text: string): void {
  const all = JSON.stringify(message);
  if (STACK_TRACE.test(all) || INTERNAL_ERROR.test(all) || /internal error/.test(message.title)) {
    throw new Error(`${JSON.stringify(text)} was answered with ${all}\nlog: ${logged.slice(-3).join('')}`);
  }
}

function firstWord(text: string): string {
  return text.trim().split(/\s+/).filter(Boolean)[0] ?? '';
}

beforeAll(async () => {
  const loaded = await loadCatalogue('test/fixtures/catalogue/good-config.yaml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  catalogue = loaded.catalogue;
});

describe('fuzz: chat command text', () => {
  it('parseCommand never throws, and answers an unknown word with the list of commands', () => {
    fc.assert(
      fc.property(chatText(), (text) => {
        const parsed = parseCommand(text);
        const word = firstWord(text).toLowerCase();
        if (word === '') expect(parsed).toEqual({ ok: false, error: 'say what to do', usage: USAGE_LINE });
        else if (!Object.hasOwn(USAGE, word)) {
          expect(parsed.ok).toBe(false);
          if (!parsed.ok) {
            expect(parsed.error).toMatch(/^unknown command "/);
            expect(parsed.usage).toBe(USAGE_LINE);
          }
        } else if (parsed.ok) expect(parsed.command.kind).toBe(word);
        else expect(parsed.usage).toMatch(/^usage: /);
      }),
      { numRuns: RUNS.quick },
    );
  });

  it('action: the owner and due date are read from the end in either order, and the rest is the text, as typed', () => {
    const token = fc.string({ minLength: 1, maxLength: 8 }).filter((word) => !/\s/.test(word) && !/^<?@/.test(word) && word.toLowerCase() !== 'due');
    const owner = fc.oneof(fc.constant(undefined), fc.stringMatching(/^@[a-z][a-z0-9.]{0,8}$/), fc.stringMatching(/^<@U[A-Z0-9]{2,8}>$/));
    const due = fc.oneof(fc.constant(undefined), token);
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 5 }), owner, due, fc.boolean(), (words, who, when, dueFirst) => {
        const tail = [who === undefined ? [] : [who], when === undefined ? [] : ['due', when]];
        if (dueFirst) tail.reverse();
        const parsed = parseCommand(['action', '1fd4', ...words, ...tail.flat()].join(' '));
        expect(parsed).toEqual({ ok: true, command: { kind: 'action', run: '1fd4', text: words.join(' '), owner: who, due: when } });
      }),
      { numRuns: RUNS.quick },
    );
  });

  it('the chat handler answers every text once, without an internal error or a stack', async () => {
    await fc.assert(
      fc.asyncProperty(chatText(), async (text) => {
        const adapter = recordingAdapter();
        const handler = createChatHandler(depsWith(adapter));
        const request: ChatRequest = { text, user: { id: 'U1', label: '<@U1>', groups: [] }, channel: 'C1' };
        await handler.handle(request);
        await handler.idle();
        expect(adapter.replies.length).toBeLessThanOrEqual(1);
        for (const reply of adapter.replies) expectHumane(reply, text);
        const word = firstWord(text).toLowerCase();
        if (word !== '' && !Object.hasOwn(USAGE, word)) {
          expect(adapter.replies[0]?.title).toMatch(/^unknown command "/);
          expect(adapter.replies[0]?.lines).toContain(USAGE_LINE);
        }
      }),
      { numRuns: RUNS.medium },
    );
  });

  it('the console chat, end to end: lines in, one answer each, nothing internal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chatText().map((text) => text.replace(/[\r\n\u2028]/g, ' ')), { minLength: 1, maxLength: 5 }), async (lines) => {
        const input = new PassThrough();
        let output = '';
        const adapter = consoleAdapter(input, (text) => (output += text), { id: 'alice', label: 'alice', groups: [] });
        const handler = createChatHandler(depsWith(adapter));
        await adapter.start((request) => handler.handle(request));
        input.end(`${lines.join('\n')}\n`);
        await adapter.inputClosed;
        await handler.idle();
        if (STACK_TRACE.test(output) || INTERNAL_ERROR.test(output) || /internal error/.test(output)) throw new Error(`${JSON.stringify(lines)} printed ${output}`);
        const asked = lines.filter((line) => line.trim().replace(/^(?:[/!]?drill)\s+/i, '') !== '').length;
        if (asked > 0) expect(output).not.toBe('');
        else expect(output).toBe('');
      }),
      { numRuns: RUNS.slow },
    );
  });
});
