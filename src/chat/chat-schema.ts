import * as z from 'zod';
import { Duration } from '../catalogue/duration.js';

const Who = z
  .array(z.string().min(1))
  .describe('People who may: Slack user ids (U…) or user-group ids (S…), Matrix user ids (@name:server) or matrix-power>=N (room power level at least N: 0, 50 or 100), command-line and terminal-chat users by operating-system user name (or FIREDRILL_USER), or "*" for everyone; --as names grant nothing');

/**
 * `environments.<name>.chat`: who may change things in this environment, from chat and from the
 * command line (the rule is src/engine/permissions.ts), and in which chat rooms. Read-only commands
 * (help, list, plan, status, scorecard, history) are always answered. Without this section nobody
 * can start a drill in the environment from chat (opting in is explicit); on the command line,
 * having the config and the store is the permission.
 */
export const ChatPermissions = z.strictObject({
  channels: z
    .array(z.string().min(1))
    .optional()
    .describe('Channel/room ids (or "console") where run, abort, approve and signals are taken from chat for this environment; default: any. The command line is not restricted by it'),
  run: Who.default([]).describe('Who may run drills here (run, random); default: nobody'),
  abort: Who.optional().describe('Who may abort a run here; default: those who may run (the requester may always abort)'),
  approve: Who.default([]).describe('Who may approve runs that need a second person; never the requester (compared by identity, not by --as name)'),
  signal: Who.default(['*']).describe('Who may say detected / recovered; default: everyone'),
  cooldown: Duration.prefault('7d').describe('`random` skips drills run in this environment within this window'),
  approvalTimeout: Duration.prefault('15m').describe('How long a run waits for an approval before it is refused'),
});
export type ChatPermissions = z.infer<typeof ChatPermissions>;

/** The config's top-level `chat:` section: where the bot answers questions. */
export const ChatSection = z
  .strictObject({
    answerIn: z
      .array(z.string().min(1))
      .optional()
      .describe('Channels/rooms where read-only commands (help, list, plan, status, scorecard, history) are answered; default: wherever the bot is reachable'),
  })
  .default({});
