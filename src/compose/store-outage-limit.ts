import { formatDuration, parseDuration } from '../catalogue/duration.js';
import { UserError } from '../errors.js';
import { DEFAULT_STORE_OUTAGE_LIMIT_MS } from '../../adapters/postgres/store-outage.js';

/**
 * How long a store call (a journal append, opening the store) waits for a database that
 * cannot be reached before it fails: FIREDRILL_STORE_OUTAGE_LIMIT, e.g. `60s` (the default)
 * or `2m`. Long enough for a restart or a failover; short enough that a run whose journal
 * is gone for good stops and is rolled back by the next firedrill command.
 */
export function storeOutageLimitMs(env: NodeJS.ProcessEnv): number {
  const text = env.FIREDRILL_STORE_OUTAGE_LIMIT;
  if (text === undefined || text.trim() === '') return DEFAULT_STORE_OUTAGE_LIMIT_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UserError(
      `FIREDRILL_STORE_OUTAGE_LIMIT="${text}" is not a duration`,
      `write e.g. 60s or 2m (unset, it is ${formatDuration(DEFAULT_STORE_OUTAGE_LIMIT_MS)})`,
    );
  }
  return ms;
}
