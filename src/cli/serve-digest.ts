import type { Catalogue } from '../catalogue/load.js';
import { digestMessage } from '../chat/digest-message.js';
import { digestSources } from '../compose/digest-sources.js';
import type { OpenedStore } from '../compose/index.js';
import { buildDigest } from '../digest/digest.js';
import { DigestScheduler } from '../digest/digest-scheduler.js';
import type { CliContext } from './context.js';
import type { ServeChat } from './serve-chat.js';

/**
 * The weekly digest of `firedrill serve` (config `digest:`): the leader posts it to each of its
 * channels through the chat platform that has the channel; undefined when the config has none.
 */
export function serveDigest(context: CliContext, catalogue: Catalogue, opened: OpenedStore, chat: () => ServeChat | undefined): DigestScheduler | undefined {
  const { digest } = catalogue.config;
  if (!digest) return undefined;
  return new DigestScheduler({
    digest,
    claims: opened.schedules,
    build: (from, to) => buildDigest(digestSources(catalogue, opened), { from, to, ...(catalogue.config.server.publicUrl ? { publicUrl: catalogue.config.server.publicUrl } : {}) }),
    async post(channel, content) {
      const owner = chat()?.ownerOf(channel);
      if (!owner) throw new Error('no chat platform that firedrill serve runs has this channel or room (set SLACK_* or MATRIX_* and invite the bot)');
      await owner.adapter.post(channel, digestMessage(content));
    },
    report(text, failed) {
      if (failed) context.log.warn({ text }, 'digest');
      else context.log.info({ text }, 'digest');
      context.err(`[digest] ${text}\n`);
    },
  });
}
