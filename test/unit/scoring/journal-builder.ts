import type { Bracket, DrillSnapshot, EventBody, RunEvent } from '../../../src/engine/events.js';

/** Wall-clock time of injection in every hand-built journal. */
export const T0 = Date.parse('2025-03-04T10:00:00.000Z');
/** `performance.now()` of the runner at injection: any value, as long as it is not the wall clock. */
const RUNNER_MONO_AT_T0 = 7_000_000;
export const RUNNER = 'runner-clock';

/** When an event happened: `ms` after injection on the runner's monotonic clock. */
export interface When {
  ms: number;
  /** The wall clock's view, when it disagrees with the monotonic one (NTP step, skew). */
  wallMs?: number;
  /** Another process's clock: its monotonic values mean nothing to the runner. */
  clock?: string;
}

export const iso = (msAfterT0: number): string => new Date(T0 + msAfterT0).toISOString();

export type DrillOverrides = Partial<Omit<DrillSnapshot, 'objectives'>>;

export function drillSnapshot(objectives: Partial<DrillSnapshot['objectives']> = {}, drill: DrillOverrides = {}): DrillSnapshot {
  return {
    id: 'drop-orders-table',
    title: 'The orders table is dropped',
    kind: 'drop-table',
    severity: 'high',
    recovery: 'automated: restore-table-from-s3',
    ...drill,
    objectives: { ttdMs: null, rtoMs: null, rpoMs: null, ...objectives },
  };
}

/** Builds a run journal by hand, numbering events in the order they are added (journal order). */
export class JournalBuilder {
  readonly events: RunEvent[] = [];

  add(body: EventBody, when: number | When): this {
    const { ms, wallMs = ms, clock = RUNNER } = typeof when === 'number' ? { ms: when } : when;
    const mono = clock === RUNNER ? RUNNER_MONO_AT_T0 + ms : 123.456 + ms * 3; // another process: unrelated values
    this.events.push({ ...body, seq: this.events.length + 1, at: iso(wallMs), mono, clock } as RunEvent);
    return this;
  }

  created(objectives: Partial<DrillSnapshot['objectives']> = {}, ms = -5_000, drill: DrillOverrides = {}, requestedBy = 'alice'): this {
    return this.add({ type: 'run-created', drill: drillSnapshot(objectives, drill), environment: 'staging', requestedBy }, ms);
  }

  injected(ms = 0): this {
    return this.add({ type: 'injected' }, ms);
  }

  detected(when: number | When, name = 'OrdersTableMissing', bracket?: Bracket): this {
    return this.add({ type: 'detected', by: { source: 'alertmanager', name, detail: 'severity=page' }, ...(bracket ? { bracket } : {}) }, when);
  }

  /** `streakStartMs` is the instant the event carries; it is journaled after `stableFor`. */
  recovered(streakStartMs: number | When, stableForMs = 2_000, sawOutage = true, bracket?: Bracket): this {
    return this.add({ type: 'recovered', stableForMs, sawOutage, ...(bracket ? { bracket } : {}) }, streakStartMs);
  }
}

export const journal = (): JournalBuilder => new JournalBuilder();
