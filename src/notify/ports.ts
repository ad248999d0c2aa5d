import type { RunNotice } from './notices.js';

/**
 * One of the team's tools that hears about runs (a webhook, Grafana, an incident tool). `deliver`
 * sends one notice and throws when it could not; the dispatcher queues, retries and logs.
 * A notifier ignores the notice kinds it has no use for.
 */
export interface Notifier {
  /** How logs name it: the channel's `name`, or its kind. */
  readonly name: string;
  deliver(notice: RunNotice): Promise<void>;
}

/** A failure worth trying again is any error; this one is not (a missing secret, a 4xx the sender caused). */
export class PermanentDeliveryFailure extends Error {
  override readonly name = 'PermanentDeliveryFailure';
}
