import { elapsedMs, findEvent, type EventOf, type Instant, type RunEvent } from './events.js';

/**
 * When a drill's fault may be in effect: from the moment its injection begins (a fast monitor
 * may see it before the injection is journaled as complete).
 */
export function faultBegun(events: readonly RunEvent[]): RunEvent | undefined {
  return findEvent(events, 'injecting') ?? findEvent(events, 'injected');
}

/**
 * The one rule for what counts as the team's detection, whoever reports it (an alert webhook,
 * a person in chat or on the command line) and whoever reads it (the running drill, the
 * scorecard, the live message): journaled after the fault began, and stamped no earlier —
 * a report sent before the injection began saw something else.
 */
export function countsAsDetection(begun: RunEvent | undefined, report: Instant & { seq: number }): boolean {
  return begun !== undefined && report.seq > begun.seq && elapsedMs(begun, report) >= 0;
}

/** Whether a report stamped at `at` came once the fault may have been in effect. */
export function arrivedAfterFaultBegan(begun: RunEvent | undefined, at: Instant): boolean {
  return begun !== undefined && elapsedMs(begun, at) >= 0;
}

/** The run's detection: the first `detected` in the journal that counts. */
export function countedDetection(events: readonly RunEvent[]): EventOf<'detected'> | undefined {
  const begun = faultBegun(events);
  return events.find((event): event is EventOf<'detected'> => event.type === 'detected' && countsAsDetection(begun, event));
}
