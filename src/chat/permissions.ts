import type { Environment } from '../catalogue/config-schema.js';
import { UserError } from '../errors.js';
import type { ChatUser } from './adapter.js';

/** What a changing command needs; read-only commands need nothing. */
export type Permission = 'run' | 'abort' | 'approve' | 'signal';

const VERB: Record<Permission, string> = {
  run: 'run drills',
  abort: 'abort runs',
  approve: 'approve runs',
  signal: 'report detection or recovery',
};

/**
 * Throws a UserError that says who may, when `user` may not do `permission` in
 * `environmentName` from `channel`. The requester of a run may always abort it.
 */
export function requirePermission(
  permission: Permission,
  user: ChatUser,
  channel: string,
  environmentName: string,
  environment: Environment,
  requester?: string,
): void {
  const chat = environment.chat;
  const where = `environments.${environmentName}.chat`;
  if (!chat) {
    throw new UserError(
      `nobody may ${VERB[permission]} in ${environmentName} from chat: it has no chat permissions`,
      `add ${where} (run, abort, approve) to the firedrill config`,
    );
  }
  if (chat.channels && !chat.channels.includes(channel)) {
    throw new UserError(`${environmentName} does not take drill commands in this channel`, `use one of: ${chat.channels.join(', ')}`);
  }
  if (permission === 'abort' && requester !== undefined && requester === user.label) return;
  const allowed = permission === 'abort' ? (chat.abort ?? chat.run) : chat[permission];
  if (allowed.includes('*') || allowed.includes(user.id) || user.groups.some((group) => allowed.includes(group))) return;
  throw new UserError(
    `${user.label} may not ${VERB[permission]} in ${environmentName}`,
    allowed.length ? `ask one of: ${allowed.join(', ')}` : `nobody may yet: add people to ${where}.${permission}`,
  );
}
