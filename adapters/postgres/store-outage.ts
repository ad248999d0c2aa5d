import pRetry from 'p-retry';
import { formatDuration } from '../../src/catalogue/duration.js';
import { UserError } from '../../src/errors.js';

/** How long a store call waits for a database that cannot be reached, unless configured otherwise. */
export const DEFAULT_STORE_OUTAGE_LIMIT_MS = 60_000;

/** Runs `work`, and runs it again while the database cannot be reached. */
export type OutageRider = <T>(work: () => Promise<T>) => Promise<T>;

/** The run store gave no answer for longer than its outage limit. */
export class StoreUnavailableError extends UserError {
  constructor(limitMs: number, reason: string) {
    super(
      `the run store has not answered for ${formatDuration(limitMs)} (${reason})`,
      'bring the database back (or fix store.url / DATABASE_URL); a run that was going on stays active, and the next firedrill command (e.g. `firedrill recover`) rolls it back',
    );
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Store calls ride out a short outage (the database restarting, failing over, or the embedded
 * one being started again): a lost connection is opened again by the pool, with backoff, for
 * up to `limitMs`. Only connection failures are tried again; a wrong query fails at once.
 * Callers make their calls safe to repeat (see append in run-store.ts): a connection lost
 * after a commit and before its answer makes the call run twice.
 */
export function rideOutOutages(limitMs: number, redact: (text: string) => string): OutageRider {
  return async (work) => {
    try {
      return await pRetry(() => work(), {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 100,
        maxTimeout: 2_000,
        maxRetryTime: limitMs,
        shouldRetry: ({ error }) => isConnectionFailure(error),
      });
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      throw new StoreUnavailableError(limitMs, redact(messageOf(error)));
    }
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a database that is not there right now: class 08 (connection exception),
 * 57P01 to 57P03 (shut down by an administrator, crashed, starting up or shutting down),
 * 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** What node-postgres says when the socket went away under it or never came up. */
const CLIENT_MESSAGES = /Connection terminated|is not queryable|timeout exceeded when trying to connect/i;

/** True when `error` means the database could not be reached, not that the request was wrong. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionFailure);
  return CLIENT_MESSAGES.test(error.message);
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
}
