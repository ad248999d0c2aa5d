import type { Drill } from '../catalogue/drill-schema.js';
import type { Clock } from '../engine/clock.js';
import { arrivalNow, bracketOf, type Arrival } from '../engine/arrival.js';
import { arrivedAfterFaultBegan, countedDetection, faultBegun } from '../engine/detection.js';
import type { RunStore, RunSummary } from '../engine/ports.js';
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
    const injecting = faultBegun(events);
    let alreadyDetected = countedDetection(events) !== undefined;
    for (const alert of alerts) {
      const rules = drill.detection.alerts.filter((rule) => rule.source === 'any' || rule.source === alert.source);
      if (!rules.some((rule) => matchesAll(rule.match, alert.labels))) continue;
      const by = { source: alert.source, name: alert.name, detail: describeLabels(alert.labels) };
      if (alert.status === 'resolved') {
        await deps.store.append(run.id, { type: 'alert-resolved', by }, receivedAt);
      } else if (!injecting || !arrivedAfterFaultBegan(injecting, receivedAt)) {
        result.ignored++;
        await deps.store.append(run.id, { type: 'signal-ignored', reason: 'arrived before the fault was injected', by }, receivedAt);
      } else if (alert.startsAt && alert.startsAt.getTime() < Date.parse(injecting.at)) {
        result.ignored++;
        await deps.store.append(run.id, { type: 'signal-ignored', reason: 'already firing before the fault was injected', by }, receivedAt);
      } else if (!alreadyDetected) {
        result.detections++;
        alreadyDetected = true;
        await deps.store.append(run.id, { type: 'detected', by, bracket: bracketOf(arrival) }, receivedAt);
      }
    }
  }
  return result;
}

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}
