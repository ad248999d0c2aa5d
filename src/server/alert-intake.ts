import type { Drill } from '../catalogue/drill-schema.js';
import type { Clock } from '../engine/clock.js';
import { arrivalNow, bracketOf, type Arrival } from '../engine/arrival.js';
import { arrivedAfterFaultBegan, countedDetection, faultBegun } from '../engine/detection.js';
import type { EventBody } from '../engine/events.js';
import type { RunStore, RunSummary } from '../engine/ports.js';
import { ScoredRunError } from '../engine/scored-run-error.js';
import type { IncomingAlert } from './alert-payloads.js';
import { matchesAll } from '../catalogue/label-matchers.js';

export interface AlertIntakeDeps {
  store: RunStore;
  clock: Clock;
  /** The drill an active run is running, as configured. */
  drillFor(run: RunSummary): Drill | undefined;
}

export interface IntakeResult {
  detections: number;
  ignored: number;
}

/**
 * Journals every alert that matches an active run's detection rules. The first one that
 * fires once the injection has begun is the run's detection (a fast monitor may see the fault
 * before its injection is journaled as complete); alerts already firing before do not count.
 */
export async function takeAlerts(
  alerts: readonly IncomingAlert[],
  deps: AlertIntakeDeps,
  /** When the webhook arrived (default: now); a detection carries it as its bracket. */
  arrival: Arrival = arrivalNow(deps.clock),
): Promise<IntakeResult> {
  const result: IntakeResult = { detections: 0, ignored: 0 };
  const receivedAt = arrival.at;
  for (const run of await deps.store.active()) {
    const drill = deps.drillFor(run);
    if (!drill) continue;
    const events = await deps.store.events(run.id);
    // A run that finished since it was listed hears nothing more (its journal takes follow-ups only).
    const append = (body: EventBody): Promise<boolean> => deps.store.append(run.id, body, receivedAt).then(() => true, finishedRunHearsNothing);
    const injecting = faultBegun(events);
    let alreadyDetected = countedDetection(events) !== undefined;
    for (const alert of alerts) {
      const rules = drill.detection.alerts.filter((rule) => rule.source === 'any' || rule.source === alert.source);
      if (!rules.some((rule) => matchesAll(rule.match, alert.labels))) continue;
      const by = { source: alert.source, name: alert.name, detail: describeLabels(alert.labels) };
      if (alert.status === 'resolved') {
        await append({ type: 'alert-resolved', by });
      } else if (!injecting || !arrivedAfterFaultBegan(injecting, receivedAt)) {
        result.ignored++;
        await append({ type: 'signal-ignored', reason: 'arrived before the fault was injected', by });
      } else if (alert.startsAt && alert.startsAt.getTime() < Date.parse(injecting.at)) {
        result.ignored++;
        await append({ type: 'signal-ignored', reason: 'already firing before the fault was injected', by });
      } else if (!alreadyDetected) {
        alreadyDetected = true;
        if (await append({ type: 'detected', by, bracket: bracketOf(arrival) })) result.detections++;
      }
    }
  }
  return result;
}

function finishedRunHearsNothing(error: unknown): false {
  if (!(error instanceof ScoredRunError)) throw error;
  return false;
}

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}
