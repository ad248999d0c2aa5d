import type { Actor } from '../engine/actor.js';
import { consoleAdapter } from '../chat/console-adapter.js';
import { createChatHandler } from '../chat/handler.js';
import { chatDeps } from '../compose/chat-deps.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/**
 * `firedrill chat`: the chat commands on the terminal, one per line from stdin. Ends when the
 * input ends and every run it started is over; Ctrl-C aborts those runs (they undo first).
 */
export async function chatCommand(
  context: CliContext,
  configPath: string,
  options: { actor: Actor; input: NodeJS.ReadableStream; stop: AbortSignal },
): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue);
  // The terminal's chat user is the operating-system user, as on the rest of the command line.
  const { identity, label } = options.actor;
  const adapter = consoleAdapter(options.input, context.out, { id: identity.id, label, groups: [], identity });
  try {
    const handler = createChatHandler(chatDeps(context, catalogue, opened, adapter, options.stop));
    await adapter.start((request) => handler.handle(request));
    context.err(`firedrill chat as ${label}: type help; end with Ctrl-D\n`);
    await Promise.race([adapter.inputClosed, new Promise((resolve) => options.stop.addEventListener('abort', resolve, { once: true }))]);
    await handler.idle();
    return 0;
  } finally {
    await adapter.stop();
    await opened.close();
  }
}
