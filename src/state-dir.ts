import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where firedrill keeps its own state (the embedded store). As root the home directory is
 * usually closed to other users, and PostgreSQL runs as the `postgres` user, so root's
 * state lives under /var/lib instead.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIREDRILL_STATE_DIR) return env.FIREDRILL_STATE_DIR;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/firedrill';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'firedrill');
}
