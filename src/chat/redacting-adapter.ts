import { secrets } from '../secrets/redactor.js';
import type { ChatAdapter } from './adapter.js';

/**
 * Every message the core hands a platform passes the redactor first: a secret in a
 * command's output, an error or a plan never reaches a channel.
 */
export function redactingAdapter(adapter: ChatAdapter): ChatAdapter {
  return {
    platform: adapter.platform,
    ownsChannel: (channel) => adapter.ownsChannel(channel),
    start: (onRequest) => adapter.start(onRequest),
    stop: () => adapter.stop(),
    post: (channel, message) => adapter.post(channel, secrets.redactDeep(message)),
    update: (ref, message) => adapter.update(ref, secrets.redactDeep(message)),
    reply: (to, message) => adapter.reply(to, secrets.redactDeep(message)),
  };
}
