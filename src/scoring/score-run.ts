import { elapsedMs, findEvent, findEvents, isFollowUp, type EventOf, type Outcome, type RunEvent } from '../engine/events.js';
import { formatDuration } from '../catalogue/duration.js';
import { countsAsDetection, faultBegun } from '../engine/detection.js';
import { durationBounds, judge, rpoBounds, straddleNote } from './bounds.js';
import { describeEvent } from './describe-event.js';
import type { Scorecard, TimelineEntry } from './scorecard-schema.js';
import { hideProbeProcesses } from './routine-processes.js';

export type { Scorecard, TimelineEntry } from './scorecard-schema.js';

/** The scorecard is derived from the journal alone, so every reader gets the same numbers. */
export function scoreRun(runId: string, events: readonly RunEvent[]): Scorecard {
  const created = findEvent(events, 'run-created');
  if (!created) throw new Error(`run ${runId} has no run-created event`);
  const injected = findEvent(events, 'injected');
  const recovered = findEvent(events, 'recovered');
  const detected = injected && firstDetectionBeforeRecovery(events, recovered);
  const verified = findEvent(events, 'verified');
  const rpoMeasured = findEvent(events, 'rpo-measured');
  const runbookFinished = findEvent(events, 'recovery-finished');
  const notes: string[] = [];

  // Whole milliseconds: the probe interval, not the clock, limits the precision.
  // A detection during the injection (after it began, before it was journaled complete) saw the fault at once.
  const ttdMs = injected && detected ? Math.max(0, Math.round(elapsedMs(injected, detected))) : null;
  const rtoMs = injected && recovered ? Math.round(elapsedMs(injected, recovered)) : null;
  const rpoMs = measuredRpo(rpoMeasured, notes);
  const bounds = {
    ttdMs: injected && detected ? durationBounds(injected, detected) : null,
    rtoMs: injected && recovered ? durationBounds(injected, recovered) : null,
    rpoMs: rpoBounds(rpoMeasured, rpoMs),
  };
  const { objectives } = created.drill;
  // A run that never injected (refused, or stopped before) had nothing to meet or miss.
  const met = injected
    ? {
        ttd: judge(objectives.ttdMs, ttdMs, bounds.ttdMs),
        rto: judge(objectives.rtoMs, rtoMs, bounds.rtoMs),
        rpo: judge(objectives.rpoMs, rpoMs, bounds.rpoMs),
      }
    : { ttd: null, rto: null, rpo: null };

  if (injected && recovered && !detected) notes.push('not detected: no alert or person reported the outage before service was back');
  const resumed = findEvents(events, 'taken-over').find((takeover) => takeover.action === 'resumed');
  if (resumed) {
    notes.push(
      `taken over by ${resumed.to} after its owner died; nothing watched for ${resumed.gapMs === null ? 'an unknown time' : `up to ${(resumed.gapMs / 1000).toFixed(1)} s`}, ` +
        'so a recovery in that time is timed from the first check after the takeover',
    );
  }
  if (recovered && !recovered.sawOutage && !resumed) notes.push('the steady-state probes never failed after injection: they may not see this fault');
  if (objectives.rpoMs !== null && !rpoMeasured && recovered) notes.push('RPO objective set but the drill has no RPO marker');
  if (injected) {
    const straddles = [
      straddleNote('TTD', objectives.ttdMs, bounds.ttdMs, formatDuration),
      straddleNote('RTO', objectives.rtoMs, bounds.rtoMs, formatDuration, 'checking more often while recovery is awaited (steadyState.recoveryInterval) narrows its bounds'),
      straddleNote('RPO', objectives.rpoMs, bounds.rpoMs, formatDuration, 'a marker that reads the data itself (marker: column or query) has no such spread'),
    ];
    notes.push(...straddles.filter((note) => note !== undefined));
  }

  const verification = findEvents(events, 'verify-check').map(({ check, ok, detail }) => ({ check, ok, detail }));
  const { outcome, reason } = decideOutcome(events, met, verified?.ok);

  return {
    runId,
    drill: { id: created.drill.id, title: created.drill.title, kind: created.drill.kind, severity: created.drill.severity },
    environment: created.environment,
    requestedBy: created.requestedBy,
    outcome,
    reason,
    timeline: {
      injectedAt: injected?.at ?? null,
      detectedAt: detected?.at ?? null,
      recoveredAt: recovered?.at ?? null,
      verifiedAt: verified?.at ?? null,
    },
    ttdMs,
    rtoMs,
    rpoMs,
    bounds,
    objectives,
    met,
    detectedBy: detected?.by ?? null,
    recovery: {
      mode: created.drill.recovery,
      runbook: findEvent(events, 'recovery-started')?.runbook ?? null,
      runbookOk: runbookFinished?.ok ?? null,
    },
    rpo: rpoMeasured ? { newestBefore: rpoMeasured.newestBefore, newestAfter: rpoMeasured.newestAfter, source: rpoMeasured.marker ?? null } : null,
    verification,
    measurements: findEvents(events, 'measured').map(({ name, value }) => ({ name, value })),
    notes,
    events: timeline(events, injected),
  };
}

/** In the order things happened: `recovered` is journaled `stableFor` after the moment it marks. */
function timeline(events: readonly RunEvent[], injected: RunEvent | undefined): TimelineEntry[] {
  return events
    // Follow-ups come after the run and are not what it measured: a scorecard stays as it was scored.
    .filter((event) => event.type !== 'scored' && !isFollowUp(event))
    .filter(hideProbeProcesses())
    .map((event) => ({ at: event.at, offsetMs: injected ? Math.round(elapsedMs(injected, event)) : null, text: describeEvent(event) }))
    .sort((a, b) => (a.offsetMs !== null && b.offsetMs !== null ? a.offsetMs - b.offsetMs : Date.parse(a.at) - Date.parse(b.at)));
}

/**
 * The detection that counts (src/engine/detection.ts), if service may not yet have been back: `recovered` is journaled
 * `stableFor` after the streak start it carries, so a signal journaled in between came too late once the first green
 * check had its answer (its bracket's late side). One that came while that check was still waiting may have come first:
 * under load a probe's process can start before a runbook that this very detection set off, and answer after it.
 */
function firstDetectionBeforeRecovery(events: readonly RunEvent[], recovered: EventOf<'recovered'> | undefined) {
  const begun = faultBegun(events);
  const cameOnceServiceWasBack = (event: RunEvent) => recovered !== undefined && (event.seq > recovered.seq || elapsedMs(recovered, event) >= (recovered.bracket?.afterMs ?? 0));
  return findEvents(events, 'detected').find((event) => countsAsDetection(begun, event) && !cameOnceServiceWasBack(event));
}

function measuredRpo(measured: Extract<RunEvent, { type: 'rpo-measured' }> | undefined, notes: string[]): number | null {
  if (!measured?.newestBefore) return null;
  if (!measured.newestAfter) {
    notes.push('no data written before injection survived the recovery');
    return null;
  }
  return Math.max(0, Date.parse(measured.newestBefore) - Date.parse(measured.newestAfter));
}

function decideOutcome(
  events: readonly RunEvent[],
  met: Scorecard['met'],
  verifiedOk: boolean | undefined,
): { outcome: Outcome; reason: string | null } {
  const refused = findEvent(events, 'refused');
  if (refused) return { outcome: 'refused', reason: refused.reason };
  const guard = findEvent(events, 'guard-tripped');
  if (guard) return { outcome: 'aborted', reason: `stopped by guard ${guard.guard}: ${guard.detail}` };
  const timedOut = findEvent(events, 'timed-out');
  if (timedOut) return { outcome: 'aborted', reason: `timed out: service not back within maxDuration` };
  const abort = findEvent(events, 'abort-requested');
  if (abort) return { outcome: 'aborted', reason: `aborted by ${abort.by}: ${abort.reason}` };
  const failed = findEvent(events, 'failed');
  if (failed) return { outcome: 'aborted', reason: failed.error };
  if (!findEvent(events, 'recovered')) {
    const rollback = findEvent(events, 'rollback-started');
    return { outcome: 'aborted', reason: rollback?.reason ?? 'the run ended before service was back' };
  }
  // The engine always journals `verified` after `recovered`; without it the run stopped in between.
  if (verifiedOk === undefined) {
    const rollback = findEvent(events, 'rollback-started');
    return { outcome: 'aborted', reason: rollback?.reason ?? 'the run ended before verification' };
  }
  const missed = (Object.entries(met) as [string, boolean | null][]).filter(([, ok]) => ok === false).map(([name]) => name.toUpperCase());
  const reasons = [...(missed.length ? [`missed: ${missed.join(', ')}`] : []), ...(verifiedOk ? [] : ['verification failed'])];
  if (reasons.length) return { outcome: 'fail', reason: reasons.join('; ') };
  return { outcome: 'pass', reason: null };
}
