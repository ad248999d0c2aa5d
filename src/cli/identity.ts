import { userInfo } from 'node:os';
import { labelFor, type Actor } from '../engine/actor.js';
import type { Identity } from '../engine/events.js';

/**
 * The person at the keyboard, as the core's rules see them: the operating-system user, or
 * FIREDRILL_USER where the process environment sets it (a service account). Permission lists
 * name command-line users by that name. `as` (the `--as` option) only labels what they do: it
 * is journaled beside the identity, as "root (as alice)", and grants nothing.
 */
export function cliActor(env: NodeJS.ProcessEnv, as: string | undefined, osUser: () => string = currentOsUser): Actor {
  const identity = cliIdentity(env, osUser);
  return { identity, label: labelFor(identity.id, as), groups: [], via: { kind: 'cli' } };
}

export function cliIdentity(env: NodeJS.ProcessEnv, osUser: () => string = currentOsUser): Identity {
  const login = osUser();
  const configured = env.FIREDRILL_USER?.trim();
  if (!configured) return { realm: 'os', id: login };
  return configured === login ? { realm: 'os', id: login } : { realm: 'os', id: configured, login };
}

/** The login name of this process's user; `uid:N` where the system has no name for it (a container's arbitrary uid). */
export function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
