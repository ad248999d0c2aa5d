import type { Identity } from './events.js';

/** Where an action came from: front ends differ in how a person is known, not in the rules. */
export type FrontEnd = { kind: 'chat'; channel: string } | { kind: 'cli' };

/** Who acted, as the journal records it: the label it shows, and the identity where the event has one. */
export interface Recorded {
  label: string;
  identity?: Identity;
}

/**
 * A person (or a service account) acting on firedrill, as every front end hands them to the
 * core's rules. Permissions match `identity.id` and `groups`; approval compares identities.
 * `label` only names them: on the command line it may carry an `--as` name, which grants nothing.
 */
export interface Actor {
  identity: Identity;
  label: string;
  groups: readonly string[];
  via: FrontEnd;
}

/** How the journal names `id` acting under an `--as` label: "root (as alice)", or just "root". */
export function labelFor(id: string, as: string | undefined): string {
  return as === undefined || as === '' || as === id ? id : `${id} (as ${as})`;
}

/**
 * Whether two journal records name the same person: by identity where both have one; by label
 * only for events written before identities were journaled (labels were the identity then).
 */
export function sameIdentity(a: Recorded, b: Recorded): boolean {
  if (a.identity && b.identity) return a.identity.realm === b.identity.realm && a.identity.id === b.identity.id;
  return a.label === b.label;
}
