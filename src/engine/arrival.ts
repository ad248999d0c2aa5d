import type { Clock } from './clock.js';
import type { Bracket, Instant } from './events.js';

/**
 * When a pushed signal (an alert webhook, a chat message, `firedrill detected`) reached
 * firedrill, stamped as it arrived rather than after any store or config I/O, and how long
 * before that it may have left its sender: its bracket is [at − transportMs, at].
 */
export interface Arrival {
  at: Instant;
  transportMs: number;
  /** The person gave the time themselves (`firedrill detected --at`): it is checked against the run. */
  stated?: boolean;
}

/**
 * How long a push may take to reach firedrill before it is stamped: a webhook's request head
 * on a LAN, a chat line from the terminal, the start of the `firedrill` process after its
 * command line was entered (fork and exec: 3-8 ms on an idle machine, up to 40 ms seen on a
 * machine loaded thirty times over; `npm run bench:timing` measures each). A chat platform's
 * own delivery (Slack, Matrix) comes before the message reaches firedrill and is not in it:
 * TTD by chat is timed to its arrival.
 */
export const TRANSPORT_ALLOWANCE_MS = 50;

export function arrivalNow(clock: Clock, transportMs = TRANSPORT_ALLOWANCE_MS): Arrival {
  return { at: clock.now(), transportMs };
}

/** A time the person stated (ISO-8601), taken as exact; on no process's monotonic clock, so durations use the wall clock. */
export function statedArrival(at: Date): Arrival {
  return { at: { at: at.toISOString(), mono: 0, clock: 'stated' }, transportMs: 0, stated: true };
}

export function bracketOf(arrival: Arrival): Bracket {
  return { beforeMs: arrival.transportMs, afterMs: 0 };
}
