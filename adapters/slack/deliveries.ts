import { seenOnce } from '../../src/net/seen-once.js';

/** Slack retries a delivery for up to about half an hour; an id seen within that time is a repeat. */
const REMEMBER_MS = 60 * 60_000;

/**
 * Tells first deliveries from repeats (Slack's retries after a slow ack, duplicate
 * deliveries), by the id Slack gives each one: trigger_id of a command or click, event_id
 * of an event. A repeat is acked and nothing more, so a command never runs twice.
 */
export function deliveryLog(now: () => number = Date.now): (id: string | undefined) => boolean {
  const first = seenOnce(REMEMBER_MS, { now });
  return (id) => id === undefined || id === '' || first(id);
}
