import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import { createChatHandler, type ChatHandler } from '../../src/chat/handler.js';
import type { DrillWorld } from './drill-world.js';
import type { SlackCall } from './slack.js';

/** A config in `dir` with the world's staging environment, where U0ALICE runs and S0SRE approves, in C0DRILLS. */
export async function slackTestCatalogue(world: DrillWorld, dir: string, extraYaml = ''): Promise<Catalogue> {
  const config = join(dir, 'firedrill.yaml');
  await writeFile(
    config,
    `environments:
${world.environmentYaml('staging')}    chat:
      channels: [C0DRILLS]
      run: [U0ALICE]
      approve: [S0SRE, U0ALICE]
${extraYaml}`,
  );
  const loaded = await loadCatalogue(config);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.catalogue;
}

/** The chat handler the Slack tests drive: the world's store and runtimes, the plan from the world's runtimes. */
export function slackTestHandler(world: DrillWorld, catalogue: Catalogue, adapter: ChatAdapter, log: Logger, stop: AbortSignal): ChatHandler {
  return createChatHandler({
    catalogue,
    store: world.store,
    clock: world.clock,
    runtimes: world.runtimes,
    log,
    adapter,
    drillsIn: () => [],
    stop,
  });
}

/** What a posted or updated message says, as one string to search. */
export const texts = (call: SlackCall) => JSON.stringify(call.body.blocks ?? call.body.text ?? '');
export const buttonsOf = (call: SlackCall) =>
  ((call.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]) ?? []).flatMap((block) => block.elements ?? []);
export const hasButton = (kind: string) => (call: SlackCall) =>
  call.method === 'chat.update' && buttonsOf(call).some((button) => button.action_id === `firedrill-${kind}`);
