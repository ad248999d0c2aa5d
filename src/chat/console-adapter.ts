import { createInterface } from 'node:readline';
import type { ChatAdapter, ChatRequest, ChatUser, MessageRef } from './adapter.js';
import { actionsText, plainText, type ChatMessage } from './message.js';

export interface ConsoleAdapter extends ChatAdapter {
  /** Resolves when the input ends (Ctrl-D, or the end of a piped file). */
  readonly inputClosed: Promise<void>;
}

/** A leading `/drill`, `!drill` or `drill`, as typed on other platforms, is accepted too. */
const PREFIX = /^(?:[/!]?drill)\s+/i;

/**
 * The terminal as a chat platform (like hubot's Shell adapter): one command per input line,
 * messages printed as text. A live message prints in full once, then only what is new.
 */
export function consoleAdapter(input: NodeJS.ReadableStream, write: (text: string) => void, user: ChatUser): ConsoleAdapter {
  let closeInput: () => void = () => undefined;
  const inputClosed = new Promise<void>((resolve) => (closeInput = resolve));
  const shown = new Map<string, { title: string; status: string; actions: string; lines: Set<string> }>();
  let reader: ReturnType<typeof createInterface> | undefined;
  let nextId = 1;

  const show = (id: string, message: ChatMessage) => {
    shown.set(id, { title: message.title, status: message.status, actions: actionsText(message), lines: new Set(message.lines) });
    write(`${plainText(message)}\n`);
  };

  return {
    platform: 'console',
    ownsChannel: (channel) => channel === 'console',
    inputClosed,
    async start(onRequest) {
      reader = createInterface({ input, terminal: false });
      // One line at a time, in order, so answers come out in the order commands went in.
      let queue = Promise.resolve();
      reader.on('line', (line) => {
        const text = line.trim().replace(PREFIX, '');
        if (!text) return;
        const request: ChatRequest = { text, user, channel: 'console' };
        queue = queue.then(() => onRequest(request));
      });
      reader.on('close', () => void queue.then(closeInput));
    },
    async stop() {
      reader?.close();
    },
    async post(channel, message): Promise<MessageRef> {
      const id = String(nextId++);
      show(id, message);
      return { channel, id };
    },
    async update(ref, message) {
      const before = shown.get(ref.id);
      if (!before || before.title !== message.title) return show(ref.id, message);
      const fresh = message.lines.filter((line) => !before.lines.has(line));
      for (const line of fresh) before.lines.add(line);
      const status = message.status !== before.status ? [`[${message.status}]`] : [];
      before.status = message.status;
      const actions = actionsText(message);
      const changedActions = actions && actions !== before.actions ? [actions] : [];
      before.actions = actions;
      const out = [...fresh.map((line) => `  ${line}`), ...status, ...changedActions];
      if (out.length) write(`${out.join('\n')}\n`);
    },
    async reply(_to, message) {
      write(`${plainText(message)}\n`);
    },
  };
}
