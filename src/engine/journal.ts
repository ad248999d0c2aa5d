import type { Clock } from './clock.js';
import type { EventBody, Instant, RunEvent } from './events.js';
import type { RunStore } from './ports.js';

/** Appends to one run's journal with this process's clock, and tells whoever follows the run. */
export class Journal {
  constructor(
    readonly runId: string,
    private readonly store: RunStore,
    readonly clock: Clock,
    private readonly onEvent: (event: RunEvent) => void = () => undefined,
  ) {}

  async append(body: EventBody, when: Instant = this.clock.now()): Promise<RunEvent> {
    const event = await this.store.append(this.runId, body, when);
    this.onEvent(event);
    return event;
  }

  events(): Promise<RunEvent[]> {
    return this.store.events(this.runId);
  }
}
