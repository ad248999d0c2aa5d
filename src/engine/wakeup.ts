/**
 * Turns change notifications into early probe checks. A wake-up during a check is remembered, so
 * the change it announced is checked next; a burst of wake-ups costs one check, not one each.
 */
export class Wakeup {
  private pending = false;
  private current = new AbortController();

  wake(): void {
    this.pending = true;
    this.current.abort();
  }

  /** Call as a check starts: wake-ups before it are answered by it. */
  checking(): void {
    this.pending = false;
  }

  /** Aborts at the next wake-up; already aborted when one came during the check. */
  sleepSignal(): AbortSignal {
    this.current = new AbortController();
    if (this.pending) this.current.abort();
    return this.current.signal;
  }
}
