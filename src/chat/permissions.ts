import type { Environment } from '../config/config-schema.js';
import type { Actor } from '../engine/actor.js';
import { requirePermission as requireActorPermission, type Permission } from '../engine/permissions.js';
import type { ChatRequest, ChatUser } from './adapter.js';

export type { Permission };

/** The person behind a chat request, as the core's rules see them. */
export function chatActor(request: Pick<ChatRequest, 'user' | 'channel'>, platform: string): Actor {
  const { user, channel } = request;
  return { identity: user.identity ?? { realm: platform, id: user.id }, label: user.label, groups: user.groups, via: { kind: 'chat', channel } };
}

/**
 * The core's permission rule (src/engine/permissions.ts) for a chat user in `channel`, where no
 * identities are compared (run, random, postpone): throws a UserError that says who may.
 * `requester` is the label of a run's requester, who may always abort. Signals on a run go
 * through the core's `reportSignal` with `chatActor`, which compares identities.
 */
export function requirePermission(
  permission: Permission,
  user: ChatUser,
  channel: string,
  environmentName: string,
  environment: Environment,
  requester?: string,
): void {
  requireActorPermission(permission, chatActor({ user, channel }, 'chat'), environmentName, environment, requester === undefined ? undefined : { label: requester });
}
