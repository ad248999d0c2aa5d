/**
 * How a chat command ended, as metrics count it: `answered` (including runs started),
 * `refused` (a UserError: unknown drill, not allowed, wrong channel), `unparsed` (not a
 * command), `failed` (an internal error).
 */
export type ChatCommandResult = 'answered' | 'refused' | 'unparsed' | 'failed';

/** What chat reports to metrics; the composition root backs it with prom-client, so src/chat names no metrics library. */
export interface ChatMetrics {
  command(platform: string, command: string, result: ChatCommandResult): void;
  replyFailed(platform: string): void;
}
