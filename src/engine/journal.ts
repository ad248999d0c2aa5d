import type { Clock } from './clock.js';
import type { EventBody, Instant, RunEvent } from './events.js';
import type { RunStore } from './ports.js';

/** Appends to one run's journal with this process's clock, and tells whoever follows the run. */
export class Journal {
  private readonly told = new Set<number>();

  constructor(
    readonly runId: string,
    private readonly store: RunStore,
    readonly clock: Clock,
    private readonly onEvent: (event: RunEvent, runId: string) => void = () => undefined,
  ) {}

  async append(body: EventBody, when: Instant = this.clock.now()): Promise<RunEvent> {
    const event = await this.store.append(this.runId, body, when);
    this.tell(event);
    return event;
  }

  /** An event another process (or the alert webhook) appended: followers hear it once. */
  tell(event: RunEvent): void {
    if (this.told.has(event.seq)) return;
    this.told.add(event.seq);
    this.onEvent(event, this.runId);
  }

  events(): Promise<RunEvent[]> {
    return this.store.events(this.runId);
  }
}
