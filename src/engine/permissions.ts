import type { Environment } from '../config/config-schema.js';
import { UserError } from '../errors.js';
import { sameIdentity, type Actor, type Recorded } from './actor.js';

/** What a changing action needs; reading needs nothing. */
export type Permission = 'run' | 'abort' | 'approve' | 'signal';

const VERB: Record<Permission, string> = {
  run: 'run drills',
  abort: 'abort runs',
  approve: 'approve runs',
  signal: 'report detection or recovery',
};

/**
 * The one rule for every front end. Throws a UserError that says who may, when `actor` may not
 * do `permission` in `environmentName`.
 *
 * The lists of `environments.<name>.chat` (run, abort, approve, signal) name chat users by their
 * platform id and command-line users by their operating-system user name (or FIREDRILL_USER);
 * `channels` restricts chat rooms only. An environment without that section opts out of chat
 * (nobody may change anything there from chat), while on the command line having the config and
 * the store is the permission: anyone may. Either way approval needs a second identity, which
 * `approvalRefusal` checks. The requester of a run may always abort it.
 */
export function requirePermission(permission: Permission, actor: Actor, environmentName: string, environment: Environment, requester?: Recorded): void {
  const lists = environment.chat;
  const where = `environments.${environmentName}.chat`;
  if (!lists) {
    if (actor.via.kind === 'cli') return;
    throw new UserError(
      `nobody may ${VERB[permission]} in ${environmentName} from chat: it has no chat permissions`,
      `add ${where} (run, abort, approve) to the firedrill config`,
    );
  }
  if (actor.via.kind === 'chat' && lists.channels && !lists.channels.includes(actor.via.channel)) {
    throw new UserError(`${environmentName} does not take drill commands in this channel`, `use one of: ${lists.channels.join(', ')}`);
  }
  if (permission === 'abort' && requester !== undefined && sameIdentity(requester, actor)) return;
  const allowed = permission === 'abort' ? (lists.abort ?? lists.run) : lists[permission];
  if (allowed.includes('*') || allowed.includes(actor.identity.id) || actor.groups.some((group) => allowed.includes(group))) return;
  const whoMay = allowed.length ? `ask one of: ${allowed.join(', ')}` : `nobody may yet: add people to ${where}.${permission}`;
  throw new UserError(`${actor.label} may not ${VERB[permission]} in ${environmentName}`, actor.via.kind === 'cli' ? `${whoMay}; ${cliIdentityNote(actor)}` : whoMay);
}

/** Whoever may run drills in at least one environment (postpone a schedule, open an incident). */
export function requireRunSomewhere(actor: Actor, environments: Readonly<Record<string, Environment>>): void {
  let refusal: unknown;
  for (const [name, environment] of Object.entries(environments)) {
    try {
      requirePermission('run', actor, name, environment);
      return;
    } catch (error) {
      refusal ??= error;
    }
  }
  throw refusal ?? new UserError('the config has no environments');
}

/** Why `actor` may not be the one who approves a run `requester` asked for, or undefined. */
export function approvalRefusal(actor: Actor, requester: Recorded): UserError | undefined {
  if (!sameIdentity(requester, actor)) return undefined;
  return new UserError(
    'you requested this run: approval must come from a second person',
    actor.via.kind === 'cli' ? `${cliIdentityNote(actor)}; approve from chat, or as another user` : undefined,
  );
}

function cliIdentityNote(actor: Actor): string {
  return `on the command line you are ${actor.identity.id} (your operating-system user, or FIREDRILL_USER); --as only labels what you do`;
}
