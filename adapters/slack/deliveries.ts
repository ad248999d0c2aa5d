/** Slack retries a delivery for up to about half an hour; an id seen within that time is a repeat. */
const REMEMBER_MS = 60 * 60_000;
/** Bounds memory whatever arrives: the oldest ids are forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * Tells first deliveries from repeats (Slack's retries after a slow ack, duplicate
 * deliveries), by the id Slack gives each one: trigger_id of a command or click, event_id
 * of an event. A repeat is acked and nothing more, so a command never runs twice.
 */
export function deliveryLog(now: () => number = Date.now): (id: string | undefined) => boolean {
  const seen = new Map<string, number>();
  return (id) => {
    if (!id) return true;
    const at = now();
    for (const [known, expires] of seen) {
      if (expires > at && seen.size < MAX_REMEMBERED) break;
      seen.delete(known);
    }
    if (seen.has(id)) return false;
    seen.set(id, at + REMEMBER_MS);
    return true;
  };
}
